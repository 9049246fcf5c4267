// End to end through the main window: open a model, switch planner, export firmware, build and
// verify it in QEMU, cancel a run, and errors that must show in the window instead of crashing.
#include <QComboBox>
#include <QDateTime>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/main_window.h"
#include "views/budget_bar.h"
#include "views/deploy_panel.h"
#include "views/graph_view.h"
#include "views/layer_table_view.h"
#include "views/memory_timeline_view.h"

using namespace tinyforge;
using namespace tinyforge::studio;

namespace {
const char* kModel = TINYFORGE_SOURCE_DIR "/resources/models/person_detect.tflite";
bool haveFirmwareTools() {
  return !QStandardPaths::findExecutable("arm-none-eabi-gcc").isEmpty() &&
         !QStandardPaths::findExecutable("qemu-system-arm").isEmpty();
}
}  // namespace

class MainWindowTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void openSwitchExportVerify() {
    MainWindow w;
    w.resize(1280, 800);
    w.show();
    QVERIFY(w.addModel(kModel));
    QTRY_VERIFY_WITH_TIMEOUT(w.analysis() != nullptr && !w.busy(), 60000);
    QCOMPARE(w.analysis()->graph.ops.size(), size_t(31));
    QCOMPARE(w.graphView()->nodeCount(), 31);
    QCOMPARE(w.layerTable()->layers()->rowCount(), 31);

    // Switch planner: the timeline and the table follow; undo brings the old one back.
    QCOMPARE(w.timeline()->panels().front().data.planner, std::string("best"));
    w.setPlanner("patch");
    QCOMPARE(w.timeline()->panels().front().data.planner, std::string("patch"));
    QVERIFY(w.timeline()->panels().front().data.arenaBytes <
            w.analysis()->plan("best")->model.plan.arenaBytes);
    w.document()->undoStack()->undo();
    QCOMPARE(w.timeline()->panels().front().data.planner, std::string("best"));
    w.setPlanner("patch");

    // Selection is shared: the table follows a selection made elsewhere.
    w.selection()->setOp(5);
    QCOMPARE(w.layerTable()->currentIndex().row() >= 0, true);
    QVERIFY(w.graphView()->isHighlighted(5));

    QTemporaryDir out;
    const QString dir = out.filePath("fw");
    w.exportFirmware(dir);
    QVERIFY(w.busy());
    QTRY_VERIFY_WITH_TIMEOUT(!w.busy(), 60000);
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    QVERIFY(QFileInfo::exists(dir + "/model/model.c"));
    QVERIFY(QFileInfo::exists(dir + "/Makefile"));
    QVERIFY(QFile(dir + "/tinyforge.json").open(QIODevice::ReadOnly));

    if (!haveFirmwareTools()) QSKIP("arm-none-eabi-gcc or qemu-system-arm missing: verify not run");
    w.verifyFirmware(dir);
    QTRY_VERIFY_WITH_TIMEOUT(!w.busy(), 300000);
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    QVERIFY(w.lastVerify().has_value());
    QVERIFY(w.lastVerify()->match);
    QVERIFY(w.lastVerify()->instructions > 1000000);
    QCOMPARE(w.lastVerify()->predictedPeakBytes, w.analysis()->plan("patch")->model.plan.arenaBytes);
    QVERIFY(w.layerTable()->layers()->hasMeasured());
    QVERIFY(w.deployPanel()->resultText().contains("outputs equal"));
  }

  void cancelVerification() {
    if (!haveFirmwareTools()) QSKIP("arm-none-eabi-gcc or qemu-system-arm missing");
    MainWindow w;
    QVERIFY(w.addModel(kModel));
    QTRY_VERIFY_WITH_TIMEOUT(w.analysis() != nullptr && !w.busy(), 60000);
    QTemporaryDir out;
    w.verifyFirmware(out.filePath("fw"));
    QTRY_VERIFY_WITH_TIMEOUT(w.deployPanel()->isBusy(), 5000);
    QTest::qWait(100);  // export or build under way
    Q_EMIT w.deployPanel()->cancelRequested();
    QTRY_VERIFY_WITH_TIMEOUT(!w.busy(), 30000);
    QVERIFY2(w.lastError().contains("Cancelled"), qPrintable(w.lastError()));
    QVERIFY(!w.lastVerify().has_value());
  }

  void errorsShowInTheWindow() {
    MainWindow w;
    QVERIFY(!w.addModel("/no/such/model.tflite"));
    QVERIFY(w.lastError().contains("/no/such/model.tflite"));
    // A file that is not a model: the analysis fails with a message, the window stays usable.
    QTemporaryDir dir;
    const QString bogus = dir.filePath("bogus.tflite");
    QFile f(bogus);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not a flatbuffer");
    f.close();
    QVERIFY(w.addModel(bogus));
    QTRY_VERIFY_WITH_TIMEOUT(!w.busy() && !w.lastError().isEmpty(), 30000);
    QVERIFY2(w.lastError().contains("bogus.tflite"), qPrintable(w.lastError()));
    QVERIFY(w.analysis() == nullptr);
    w.exportFirmware(dir.filePath("fw"));
    QVERIFY(w.lastError().contains("Open a model"));
    // A model that does not fit the device: the export says which limit and by how much.
    QVERIFY(w.addModel(kModel));
    QTRY_VERIFY_WITH_TIMEOUT(w.analysis() != nullptr && !w.busy(), 60000);
    w.setPlanner("tflm");
    w.document()->edit("tiny stack", [](ProjectData& d) { d.stackBytes = 400000; });
    w.exportFirmware(dir.filePath("fw2"));
    QTRY_VERIFY_WITH_TIMEOUT(!w.busy(), 60000);
    QVERIFY2(w.lastError().contains("SRAM"), qPrintable(w.lastError()));
    QVERIFY(w.deployPanel()->sramBar()->overBudget());
  }

  void projectRoundTripThroughWindow() {
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(w.addModel(kModel));
    w.setDevice("stm32h743");
    QString error;
    QVERIFY(w.document()->saveAs(dir.filePath("p.tinyforge"), &error));
    MainWindow again;
    QVERIFY(again.openProject(dir.filePath("p.tinyforge"), false));
    QCOMPARE(again.document()->data().device, std::string("stm32h743"));
    QTRY_VERIFY_WITH_TIMEOUT(again.analysis() != nullptr && !again.busy(), 60000);
    QCOMPARE(again.analysis()->path, QFileInfo(kModel).absoluteFilePath().toStdString());
  }

  // The default project with an autosave left by a session that did not end normally (a search
  // tour stopped mid-way, say): an unattended open (the tours) asks nothing and opens the file;
  // the interactive open is the one that offers the recovery.
  void defaultProjectWithAutosaveOpensUnattended() {
    QString error;
    QString path;
    {
      MainWindow first;
      QVERIFY(first.openDefaultProject(false));
      path = first.document()->path();
      first.document()->edit("changed", [](ProjectData& d) { d.device = "stm32h743"; });
      QVERIFY2(first.document()->writeAutosave(&error), qPrintable(error));
    }
    QFileInfo info(path);
    QFile project(path);
    QVERIFY(project.open(QIODevice::ReadWrite));
    QVERIFY(project.setFileTime(QDateTime::currentDateTime().addSecs(-60), QFileDevice::FileModificationTime));
    project.close();
    QVERIFY(ProjectDocument::hasNewerAutosave(path));
    bool questionShown = false;
    QTimer watch;  // a modal question would run its own event loop: this would see it and close it
    QObject::connect(&watch, &QTimer::timeout, [&questionShown] {
      if (QWidget* modal = QApplication::activeModalWidget()) {
        questionShown = true;
        modal->close();
      }
    });
    watch.start(50);
    MainWindow second;
    QVERIFY(second.openDefaultProject(false));
    QVERIFY(!questionShown);
    QCOMPARE(second.document()->path(), path);
    QVERIFY(second.document()->data().device != "stm32h743");  // the file, not the autosave
    QFile::remove(ProjectDocument::autosavePathFor(path));
  }
};

QTEST_MAIN(MainWindowTest)
#include "app_main_window_test.moc"
