// Drives a MainWindow through each view and saves a screenshot of each (the script
// tests/studio_screenshots.sh runs it under Xvfb). Prints the time from launch to the first
// drawn memory timeline.
//
//   ScreenshotTour tour(&window, "shots/", &sinceLaunch);  tour.start();  // quits when done
#pragma once
#include <QElapsedTimer>
#include <QObject>
#include <QString>

namespace tinyforge::studio {

class MainWindow;

class ScreenshotTour : public QObject {
  Q_OBJECT
 public:
  ScreenshotTour(MainWindow* window, const QString& dir, const QElapsedTimer* sinceLaunch);
  void start();

 private:
  void step();
  bool save(const QString& name);

  MainWindow* m_window;
  QString m_dir, m_prefix;
  const QElapsedTimer* m_sinceLaunch;
  int m_step = 0, m_waited = 0;
  bool m_failed = false;
};

}  // namespace tinyforge::studio
