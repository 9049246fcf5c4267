// A first-time user's trip from launch to firmware through the search, driven the way a person
// clicks (tinyforge --search-tour DIR; tests/studio_screenshots.sh runs it under Xvfb): the
// Search tab, Start search with the project's settings, a Pareto-front point of the finished
// run, Export firmware. Saves screenshots of the Space and Search tabs while the search runs and
// of the candidate's views after it; prints the clicks, the wall time from launch to verified
// firmware and the worst event-loop stall (a 5 ms timer's longest gap) while the search ran.
//
//   SearchTour tour(&window, "shots/", &sinceLaunch);  tour.start();  // quits when done
#pragma once
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

namespace tinyforge::studio {

class MainWindow;

class SearchTour : public QObject {
  Q_OBJECT
 public:
  SearchTour(MainWindow* window, const QString& dir, const QElapsedTimer* sinceLaunch);
  void start();

 private:
  void step();
  void save(const QString& name);
  void click(class QWidget* widget, const QPoint& pos);
  void finish(int code, const QString& why = {});
  static QString stepName(int step);

  static constexpr qint64 kStepLimitMs = 20 * 60 * 1000;    // any step but the search
  static constexpr qint64 kSearchLimitMs = 180 * 60 * 1000;  // the search itself (the preset decides)

  MainWindow* m_window;
  QString m_dir;
  const QElapsedTimer* m_sinceLaunch;
  QTimer m_tick;  // the stall meter
  QElapsedTimer m_clock, m_stageClock, m_shotClock, m_stepClock;
  qint64 m_lastTick = 0, m_worstStall = 0, m_worstStallAt = 0;
  bool m_measuring = false;
  int m_step = 0, m_clicks = 0, m_shots = 0, m_candidate = -1, m_timedStep = -1;
  double m_searchSeconds = 0;
};

}  // namespace tinyforge::studio
