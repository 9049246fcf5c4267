#include "app/studio/search_tour.h"

#include <QApplication>
#include <QChartView>
#include <QDir>
#include <QMouseEvent>
#include <QPushButton>
#include <QTabBar>
#include <QTabWidget>
#include <cstdio>

#include "app/studio/main_window.h"
#include "views/search_results_model.h"
#include "views/search_scatter_view.h"
#include "views/search_view.h"

namespace tinyforge::studio {

SearchTour::SearchTour(MainWindow* window, const QString& dir, const QElapsedTimer* sinceLaunch)
    : m_window(window), m_dir(dir), m_sinceLaunch(sinceLaunch) {
  m_tick.setInterval(5);
  connect(&m_tick, &QTimer::timeout, this, [this] {
    const qint64 now = m_clock.nsecsElapsed();
    if (m_measuring && m_lastTick > 0 && now - m_lastTick > 40'000'000) {
      std::printf("search tour: event loop blocked %.1f ms (step %d, %.1f s into the search)\n",
                  double(now - m_lastTick) / 1e6, m_step, double(m_stageClock.elapsed()) / 1000.0);
    }
    if (m_measuring && m_lastTick > 0 && now - m_lastTick > m_worstStall) {
      m_worstStall = now - m_lastTick;
      m_worstStallAt = m_step;
    }
    m_lastTick = now;
  });
}

void SearchTour::start() {
  QDir().mkpath(m_dir);
  m_clock.start();
  m_tick.start();
  step();
}

// The grab itself blocks the event loop (it paints the whole window): not counted as a stall.
void SearchTour::save(const QString& name) {
  const bool measuring = m_measuring;
  m_measuring = false;
  const QString path = QDir(m_dir).absoluteFilePath(
      QString("search-%1x%2-%3.png").arg(m_window->width()).arg(m_window->height()).arg(name));
  const bool ok = m_window->grab().save(path);
  std::printf("%s %s\n", ok ? "saved" : "FAILED to save", path.toLocal8Bit().constData());
  m_lastTick = 0;
  m_measuring = measuring;
}

// A real mouse click (press and release) on `widget` at `pos`, as the window system delivers it.
void SearchTour::click(QWidget* widget, const QPoint& pos) {
  const QPointF local(pos), global(widget->mapToGlobal(pos));
  QMouseEvent press(QEvent::MouseButtonPress, local, global, Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
  QMouseEvent release(QEvent::MouseButtonRelease, local, global, Qt::LeftButton, Qt::NoButton, Qt::NoModifier);
  QApplication::sendEvent(widget, &press);
  QApplication::sendEvent(widget, &release);
  ++m_clicks;
}

QString SearchTour::stepName(int step) {
  switch (step) {
    case 0: return "open and analyse the project";
    case 3: return "the search";
    case 5: return "open the clicked candidate";
    case 8: return "export, build and verify the candidate";
    default: return "click";
  }
}

void SearchTour::finish(int code, const QString& why) {
  if (!why.isEmpty()) std::fprintf(stderr, "tinyforge: search tour: %s\n", why.toLocal8Bit().constData());
  QApplication::exit(code);
}

void SearchTour::step() {
  views::SearchView* search = m_window->searchView();
  SearchRun* run = m_window->searchRun();
  // Unattended: a step that never completes ends the tour with what it waited for, not a hang.
  if (m_step != m_timedStep) {
    m_timedStep = m_step;
    m_stepClock.start();
  }
  const qint64 limitMs = m_step == 3 ? kSearchLimitMs : kStepLimitMs;
  if (m_stepClock.elapsed() > limitMs) {
    return finish(1, QString("step %1 (%2) did not complete within %3 min; %4")
                         .arg(m_step)
                         .arg(stepName(m_step))
                         .arg(limitMs / 60000)
                         .arg(m_window->lastError().isEmpty() ? QString("no error shown") : m_window->lastError()));
  }
  switch (m_step) {
    case 0:  // the default project is open and analysed
      if (!m_window->analysis() || m_window->busy()) break;
      ++m_step;
      break;
    case 1: {  // click the Search tab
      QTabBar* bar = m_window->tabs()->tabBar();
      click(bar, bar->tabRect(int(MainWindow::View::kSearch)).center());
      ++m_step;
      break;
    }
    case 2:  // click Start search
      click(search->startButton(), search->startButton()->rect().center());
      if (!run->isRunning()) return finish(1, "the search did not start: " + m_window->lastError());
      m_measuring = true;
      m_stageClock.start();
      ++m_step;
      break;
    case 3:  // the search runs: screenshots of the Search tab as it fills in, and of the Space tab
      if (run->isRunning()) {
        // Every 12 s once candidates are there, three of the Search tab; after the first, one of
        // the Space tab (shown on one tick, saved on the next, then back to Search).
        if (m_window->tabs()->currentIndex() == int(MainWindow::View::kSpace)) {
          save("space-while-searching");
          m_window->showView(MainWindow::View::kSearch);
        } else if (m_shots < 3 && !m_window->searchResults().points.empty() &&
                   (m_shots == 0 || m_shotClock.elapsed() > 12000)) {
          save(QString("running-%1").arg(++m_shots));
          m_shotClock.start();
          if (m_shots == 1) m_window->showView(MainWindow::View::kSpace);
        }
        break;
      }
      m_measuring = false;
      m_searchSeconds = double(m_stageClock.elapsed()) / 1000.0;
      if (run->state() != SearchRun::State::kFinished) return finish(1, "the search ended: " + run->lastMessage());
      save("finished");
      ++m_step;
      break;
    case 4: {  // click the most accurate point of the front
      views::SearchScatterView* scatter = search->scatter();
      if (scatter->front().empty()) return finish(1, "no Pareto front");
      m_candidate = scatter->front().back();
      for (int32_t i : scatter->front()) {
        if (m_window->searchResults().points[size_t(i)].metric(views::SearchMetric::kAccuracy) >
            m_window->searchResults().points[size_t(m_candidate)].metric(views::SearchMetric::kAccuracy)) {
          m_candidate = i;
        }
      }
      click(scatter->chartView()->viewport(), scatter->viewPosOf(m_candidate));
      ++m_step;
      break;
    }
    case 5:  // it opens in the model views
      if (m_window->busy() || !m_window->analysis() || m_window->previewedCandidate() != m_candidate) break;
      save("candidate");
      m_window->showView(MainWindow::View::kMemory);
      ++m_step;
      break;
    case 6:
      save("candidate-memory");
      m_window->showView(MainWindow::View::kSearch);
      ++m_step;
      break;
    case 7:  // click Export firmware
      click(search->exportButton(), search->exportButton()->rect().center());
      ++m_step;
      break;
    case 8:  // extraction, analysis, build and QEMU
      if (m_window->busy() || !m_window->lastVerify()) {
        if (!m_window->lastError().isEmpty() && !m_window->busy()) return finish(1, m_window->lastError());
        break;
      }
      save("candidate-deployed");
      std::printf("search tour: %d clicks from launch to verified firmware (outputs %s, %lld instructions); "
                  "%.1f s from launch, of which the search %.1f s; worst event-loop stall while the search ran: "
                  "%.1f ms\n",
                  m_clicks, m_window->lastVerify()->match ? "match" : "DIFFER",
                  static_cast<long long>(m_window->lastVerify()->instructions),
                  double(m_sinceLaunch->elapsed()) / 1000.0, m_searchSeconds, double(m_worstStall) / 1e6);
      return finish(m_window->lastVerify()->match ? 0 : 1);
  }
  QTimer::singleShot(100, this, &SearchTour::step);
}

}  // namespace tinyforge::studio
