// The project document: save and reload, atomic writes, autosave recovery, undo, model paths.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/project_document.h"

using namespace tinyforge::studio;

namespace {

ProjectData sample() {
  ProjectData d;
  d.name = "kws on nRF";
  d.models = {{"kws", "models/kws.tflite"}, {"vww", "/abs/vww.tflite"}};
  d.selectedModel = 1;
  d.device = "nrf52840";
  d.planner = "patch";
  d.exportDir = "/tmp/fw";
  d.fastKernels = false;
  d.stackBytes = 8192;
  return d;
}

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class ProjectDocumentTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void saveAndReload() {
    QTemporaryDir dir;
    const QString path = dir.filePath("p.tinyforge");
    ProjectDocument doc;
    doc.reset(sample(), path);
    QString error;
    QVERIFY2(doc.save(&error), qPrintable(error));
    ProjectDocument again;
    QVERIFY2(again.open(path, &error), qPrintable(error));
    QVERIFY(again.data() == sample());
    QVERIFY(!again.isDirty());
    QCOMPARE(again.modelPath(0), dir.filePath("models/kws.tflite"));
    QCOMPARE(again.modelPath(1), QString("/abs/vww.tflite"));
  }

  void badFilesAreErrors() {
    QTemporaryDir dir;
    QString error;
    ProjectDocument doc;
    QVERIFY(!doc.open(dir.filePath("missing.tinyforge"), &error));
    QVERIFY(error.contains("missing.tinyforge"));
    const QString junk = dir.filePath("junk.tinyforge");
    QString e2;
    QVERIFY(writeFileAtomic(junk, "{not json", &e2));
    QVERIFY(!doc.open(junk, &error));
    QVERIFY(error.contains("not valid JSON"));
    QVERIFY(writeFileAtomic(junk, R"({"format":"tinyforge-project","models":[{"name":3}]})", &e2));
    QVERIFY(!doc.open(junk, &error));
    QVERIFY2(error.contains("models"), qPrintable(error));
  }

  void atomicWriteKeepsOldFileOnFailure() {
    QTemporaryDir dir;
    const QString path = dir.filePath("p.tinyforge");
    ProjectDocument doc;
    doc.reset(sample(), path);
    QString error;
    QVERIFY(doc.save(&error));
    const QByteArray before = readAll(path);
    doc.edit("rename", [](ProjectData& d) { d.name = std::string(5000, 'x'); });
    ProjectDocument::failNextWriteForTest();
    QVERIFY(!doc.save(&error));
    QVERIFY(error.contains("simulated"));
    QCOMPARE(readAll(path), before);  // the old project is whole
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"p.tinyforge"});  // no temp left
    QVERIFY(doc.isDirty());
    QVERIFY(doc.save(&error));
    QVERIFY(readAll(path).contains("xxxxx"));
  }

  void autosaveRecovery() {
    QTemporaryDir dir;
    const QString path = dir.filePath("p.tinyforge");
    QString error;
    {
      ProjectDocument doc;
      doc.reset(sample(), path);
      QVERIFY(doc.save(&error));
      QVERIFY(!ProjectDocument::hasNewerAutosave(path));
      doc.setAutosaveInterval(50);
      doc.edit("device", [](ProjectData& d) { d.device = "stm32h743"; });
      QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(doc.autosavePath()), 5000);
      // The "crash": the document goes away without saving.
    }
    QVERIFY(ProjectDocument::hasNewerAutosave(path));
    ProjectDocument plain;
    QVERIFY(plain.open(path, &error));
    QCOMPARE(plain.data().device, std::string("nrf52840"));  // the file itself is untouched
    ProjectDocument recovered;
    QVERIFY(recovered.recoverAutosave(path, &error));
    QCOMPARE(recovered.data().device, std::string("stm32h743"));
    QVERIFY(recovered.isDirty());
    QCOMPARE(recovered.path(), QFileInfo(path).absoluteFilePath());
    QVERIFY(recovered.save(&error));
    QVERIFY(!QFileInfo::exists(recovered.autosavePath()));  // a save removes the autosave
    QVERIFY(!ProjectDocument::hasNewerAutosave(path));
  }

  void undoRedo() {
    ProjectDocument doc;
    doc.reset(sample());
    QSignalSpy changed(&doc, &ProjectDocument::changed);
    doc.edit("planner", [](ProjectData& d) { d.planner = "tflm"; });
    doc.edit("device", [](ProjectData& d) { d.device = "rp2040"; });
    doc.edit("nothing", [](ProjectData&) {});  // no change, no undo step
    QCOMPARE(doc.undoStack()->count(), 2);
    QVERIFY(doc.isDirty());
    doc.undoStack()->undo();
    QCOMPARE(doc.data().device, std::string("nrf52840"));
    doc.undoStack()->undo();
    QVERIFY(doc.data() == sample());
    QVERIFY(!doc.isDirty());
    doc.undoStack()->redo();
    QCOMPARE(doc.data().planner, std::string("tflm"));
    QCOMPARE(changed.count(), 5);
  }

  void saveAsKeepsModelPaths() {
    QTemporaryDir dir;
    QDir(dir.path()).mkpath("a/models");
    QDir(dir.path()).mkpath("b");
    ProjectDocument doc;
    doc.reset(sample(), dir.filePath("a/p.tinyforge"));
    QString error;
    QVERIFY(doc.saveAs(dir.filePath("b/q.tinyforge"), &error));
    QCOMPARE(doc.modelPath(0), QDir::cleanPath(dir.filePath("a/models/kws.tflite")));
    QCOMPARE(doc.data().models[0].path, std::string("../a/models/kws.tflite"));
  }
};

QTEST_MAIN(ProjectDocumentTest)
#include "app_project_document_test.moc"
