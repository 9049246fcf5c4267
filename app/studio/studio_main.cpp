// tinyforge: the studio.
//
//   tinyforge [PROJECT.tinyforge | MODEL.tflite]
//   tinyforge [...] --screenshots DIR [--size 1280x800]   opens each view, saves PNGs, exits
//   tinyforge [...] --search-tour DIR [--size 1280x800]   runs the project's search as a user
//                                                         would, to verified firmware; PNGs, exits
//
// With no argument it opens the bundled default project (copied to the user's data folder).
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QTimer>
#include <cstdio>

#include "app/studio/screenshot_tour.h"
#include "app/studio/search_tour.h"
#include "app/studio/main_window.h"

using tinyforge::studio::MainWindow;

int main(int argc, char** argv) {
  QElapsedTimer sinceLaunch;
  sinceLaunch.start();
  QApplication app(argc, argv);
  QApplication::setApplicationName("TinyForge Studio");
  QApplication::setOrganizationName("TinyForge");
  QCommandLineParser parser;
  parser.setApplicationDescription("TinyForge Studio: fit int8 networks into microcontrollers.");
  parser.addHelpOption();
  parser.addPositionalArgument("file", "A project (.tinyforge) or a model (.tflite) to open.");
  QCommandLineOption shots("screenshots", "Open each view, save screenshots in DIR and exit.", "DIR");
  QCommandLineOption size("size", "Window size for --screenshots (default 1280x800).", "WxH", "1280x800");
  QCommandLineOption searchTour("search-tour", "Run the project's search to firmware as a user would, save "
                                "screenshots in DIR and exit.", "DIR");
  parser.addOption(shots);
  parser.addOption(searchTour);
  parser.addOption(size);
  parser.process(app);

  MainWindow window;
  const QStringList files = parser.positionalArguments();
  bool opened = false;
  // A tour runs unattended: no question (such as recovering an autosave) may wait for a person.
  const bool tour = parser.isSet(shots) || parser.isSet(searchTour);
  if (files.isEmpty()) {
    opened = window.openDefaultProject(!tour);
  } else if (files.first().endsWith(".tflite", Qt::CaseInsensitive)) {
    opened = window.addModel(files.first());
  } else {
    opened = window.openProject(files.first(), !tour);
  }
  if (!tour) {
    window.resize(1400, 900);
    window.show();
    return app.exec();
  }
  if (!opened) {
    std::fprintf(stderr, "tinyforge: %s\n", window.lastError().toLocal8Bit().constData());
    return 1;
  }
  const QStringList wh = parser.value(size).split('x');
  window.resize(wh.value(0).toInt(), wh.value(1).toInt());
  window.show();
  if (parser.isSet(searchTour)) {
    tinyforge::studio::SearchTour s(&window, parser.value(searchTour), &sinceLaunch);
    QTimer::singleShot(0, &s, &tinyforge::studio::SearchTour::start);
    return app.exec();
  }
  tinyforge::studio::ScreenshotTour shotsTour(&window, parser.value(shots), &sinceLaunch);
  QTimer::singleShot(0, &shotsTour, &tinyforge::studio::ScreenshotTour::start);
  return app.exec();
}
