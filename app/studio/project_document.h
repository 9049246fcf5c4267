// The studio's project document: which models, which device, which planner, where firmware
// goes. JSON on disk, written atomically (QSaveFile: a crash never leaves half a project), with
// undo for every user edit and an autosave beside the file that is offered back after a crash.
//
//   ProjectDocument doc;  doc.open("p.tinyforge", &err);
//   doc.edit(tr("Set device"), [](ProjectData& d) { d.device = "stm32h743"; });  // undoable
//   doc.save(&err);
#pragma once
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUndoStack>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tinyforge::studio {

struct ProjectModel {
  std::string name;
  std::string path;  // as stored: relative to the project's folder, or absolute
  bool operator==(const ProjectModel&) const = default;
};

// What the Space and Search views run: the keys of the project's "search" object are the ones
// tinyforge-cli search / sparse-search read (app/train/search_settings.h), so a project saved by
// the studio runs the same search from the command line. Budgets of 0: the device's SRAM/flash.
struct SearchSettings {
  std::string method = "tinynas";  // "tinynas", "tinynas-random", "sparse", "sparse-random"
  std::string preset = "quick";    // "quick" or "full"
  std::string dataset = "fashion-mnist";  // or "mnist:DIR", "cifar10:DIR"
  int64_t sramBytes = 0, flashBytes = 0;
  int64_t macs = 0, instructions = 0;     // 0: no limit
  // Overrides of the preset (0: the preset's value).
  int64_t trainImages = 0;
  int32_t epochs = 0, population = 0, generations = 0, iterations = 0;
  std::string runDir;  // the last run's folder, relative to the project's folder or absolute
  // SpArSe: the objectives the search optimises besides the error ("size", "memory"; empty: all),
  // and how size and memory are measured ("flash"/"nonzero", "sparse"/"best"; empty: the tool's
  // defaults, flash and sparse). An objective left out stays a budget and is still reported.
  std::vector<std::string> objectives;
  std::string sizeObjective, memoryObjective;
  // Keys of "search" the studio does not edit (say "verify"), written back as they were read.
  nlohmann::json other = nlohmann::json::object();
  bool operator==(const SearchSettings&) const = default;
};

struct ProjectData {
  std::string name = "Untitled";
  std::vector<ProjectModel> models;
  int32_t selectedModel = -1;
  std::string device = "stm32f746";
  std::string planner = "best";
  std::string exportDir;  // empty: <project folder>/firmware
  bool fastKernels = true;
  int64_t stackBytes = 4096;
  SearchSettings search;
  // Top-level keys the studio does not edit (say "sparse"), written back as they were read, so
  // that saving from the studio never drops what the command-line tools read.
  nlohmann::json other = nlohmann::json::object();
  bool operator==(const ProjectData&) const = default;
};

nlohmann::json projectToJson(const ProjectData& data);
// Unknown keys are kept (ProjectData::other, SearchSettings::other); wrong types and values are an
// error naming the key.
bool projectFromJson(const nlohmann::json& json, ProjectData* data, std::string* error);

// Writes all of `bytes` or nothing: the old file stays whole on any failure.
bool writeFileAtomic(const QString& path, const QByteArray& bytes, QString* error);

class ProjectDocument : public QObject {
  Q_OBJECT
 public:
  explicit ProjectDocument(QObject* parent = nullptr);

  const ProjectData& data() const { return m_data; }
  QString path() const { return m_path; }  // empty until saved or opened
  bool isDirty() const { return !m_undo.isClean() || m_recovered; }
  QUndoStack* undoStack() { return &m_undo; }

  // Resets to `data` (no undo history). `path` may be empty (untitled).
  void reset(const ProjectData& data, const QString& path = {});
  bool open(const QString& path, QString* error);
  bool save(QString* error);
  bool saveAs(const QString& path, QString* error);

  // One undoable user edit.
  void edit(const QString& text, const std::function<void(ProjectData&)>& change);

  // The model's file resolved against the project folder.
  QString modelPath(int32_t index) const;
  QString exportDir() const;
  // A path as stored in the project (relative to its folder, or absolute) resolved.
  QString resolvePath(const std::string& stored) const;

  // Autosave: every `ms` while dirty, to autosavePath(); removed after a successful save.
  void setAutosaveInterval(int ms);
  QString autosavePath() const;
  bool writeAutosave(QString* error);
  static QString autosavePathFor(const QString& projectPath);
  // True when an autosave newer than the project file exists (left by a crash).
  static bool hasNewerAutosave(const QString& projectPath);
  // Opens the project with the autosave's content (dirty, so the user can save or discard).
  bool recoverAutosave(const QString& projectPath, QString* error);

  // Tests: the next write fails halfway through (after writing part of the bytes).
  static void failNextWriteForTest();

 Q_SIGNALS:
  void changed();  // data() changed (edit, undo, redo, open)
  void pathChanged(const QString& path);
  void dirtyChanged(bool dirty);

 private:
  friend class ProjectEdit;
  void apply(const ProjectData& data);
  bool writeTo(const QString& path, QString* error);

  ProjectData m_data;
  QString m_path;
  QUndoStack m_undo;
  QTimer m_autosave;
  bool m_recovered = false;
};

}  // namespace tinyforge::studio
