#include "app/studio/screenshot_tour.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QTabWidget>
#include <QTimer>
#include <cstdio>

#include "app/studio/main_window.h"
#include "views/memory_timeline_view.h"

namespace tinyforge::studio {

ScreenshotTour::ScreenshotTour(MainWindow* window, const QString& dir, const QElapsedTimer* sinceLaunch)
    : m_window(window), m_dir(dir), m_sinceLaunch(sinceLaunch) {}

void ScreenshotTour::start() {
  QDir().mkpath(m_dir);
  step();
}

bool ScreenshotTour::save(const QString& name) {
  const QString path = QDir(m_dir).absoluteFilePath(
      QString("%1-%2x%3-%4.png").arg(m_prefix).arg(m_window->width()).arg(m_window->height()).arg(name));
  const bool ok = m_window->grab().save(path);
  std::printf("%s %s\n", ok ? "saved" : "FAILED to save", path.toLocal8Bit().constData());
  m_failed = m_failed || !ok;
  return ok;
}

// One step per event-loop turn so that every view is laid out and painted before its grab.
void ScreenshotTour::step() {
  if (m_step == 0) {  // wait for the analysis
    if (!m_window->analysis() || m_window->busy()) {
      if (++m_waited > 1200 || !m_window->lastError().isEmpty()) {
        std::fprintf(stderr, "tinyforge: no model analysed: %s\n", m_window->lastError().toLocal8Bit().constData());
        QApplication::exit(1);
        return;
      }
      QTimer::singleShot(50, this, &ScreenshotTour::step);
      return;
    }
    m_prefix = QFileInfo(QString::fromStdString(m_window->analysis()->path)).completeBaseName();
    m_window->showView(MainWindow::View::kMemory);
    if (m_window->timeline()->lastPaintMilliseconds() <= 0) {  // not drawn with a plan yet
      QTimer::singleShot(5, this, &ScreenshotTour::step);
      return;
    }
    std::printf("launch to drawn memory timeline: %lld ms (timeline paint %.1f ms)\n",
                static_cast<long long>(m_sinceLaunch->elapsed()), m_window->timeline()->lastPaintMilliseconds());
  }
  switch (m_step++) {
    case 0: break;
    case 1: save("memory"); m_window->timeline()->setMode(views::TimelineMode::kSideBySide); break;
    case 2: save("memory-side-by-side"); m_window->timeline()->setMode(views::TimelineMode::kOverlay); break;
    case 3: save("memory-overlay"); m_window->timeline()->setMode(views::TimelineMode::kSingle);
            m_window->showView(MainWindow::View::kModel);
            m_window->selection()->setOp(int32_t(m_window->analysis()->graph.ops.size() / 2)); break;
    case 4: save("model"); m_window->showView(MainWindow::View::kDeploy); break;
    case 5: save("deploy"); m_window->verifyFirmware({}); break;
    case 6:  // wait for the build and the emulator run
      if (m_window->busy()) {
        --m_step;
        break;
      }
      save("deploy-verified");
      m_window->showView(MainWindow::View::kModel);
      break;
    case 7: save("model-measured"); break;
    default: QApplication::exit(m_failed ? 1 : 0); return;
  }
  QTimer::singleShot(150, this, &ScreenshotTour::step);
}

}  // namespace tinyforge::studio
