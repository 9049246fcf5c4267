#include "app/studio/project_document.h"

#include <algorithm>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>

#include "search/bayes_search.h"

namespace tinyforge::studio {

using nlohmann::json;

namespace {
bool g_failNextWrite = false;
}

namespace {

// The keys SearchSettings holds; any other key of "search" goes to SearchSettings::other.
const std::string kSearchKeys[] = {"method", "preset", "dataset", "sram_bytes", "flash_bytes", "macs",
                                   "instructions", "train_images", "epochs", "population", "generations",
                                   "iterations", "run_dir", "objectives", "size_objective", "memory_objective"};
// The top-level keys ProjectData holds; any other goes to ProjectData::other.
const std::string kProjectKeys[] = {"format", "version", "name", "models", "selected_model",
                                    "device", "planner", "export", "search"};

json searchToJson(const SearchSettings& s) {
  json j = {{"method", s.method}, {"preset", s.preset}, {"dataset", s.dataset}};
  auto put = [&j](const char* key, int64_t v) {  // 0 means "not set": the key stays out
    if (v > 0) j[key] = v;
  };
  put("sram_bytes", s.sramBytes);
  put("flash_bytes", s.flashBytes);
  put("macs", s.macs);
  put("instructions", s.instructions);
  put("train_images", s.trainImages);
  put("epochs", s.epochs);
  put("population", s.population);
  put("generations", s.generations);
  put("iterations", s.iterations);
  if (!s.runDir.empty()) j["run_dir"] = s.runDir;
  if (!s.objectives.empty()) j["objectives"] = s.objectives;
  if (!s.sizeObjective.empty()) j["size_objective"] = s.sizeObjective;
  if (!s.memoryObjective.empty()) j["memory_objective"] = s.memoryObjective;
  for (const auto& [key, value] : s.other.items()) {
    if (!j.contains(key)) j[key] = value;
  }
  return j;
}

void searchFromJson(const json& j, SearchSettings* s) {
  if (!j.is_object()) throw std::runtime_error("not an object");
  s->method = j.value("method", s->method);
  if (s->method != "tinynas" && s->method != "tinynas-random" && s->method != "sparse" && s->method != "sparse-random") {
    throw std::runtime_error("\"method\" must be tinynas, tinynas-random, sparse or sparse-random");
  }
  s->preset = j.value("preset", s->preset);
  if (s->preset != "quick" && s->preset != "full") throw std::runtime_error("\"preset\" must be quick or full");
  s->dataset = j.value("dataset", s->dataset);
  s->sramBytes = j.value("sram_bytes", s->sramBytes);
  s->flashBytes = j.value("flash_bytes", s->flashBytes);
  s->macs = j.value("macs", s->macs);
  s->instructions = j.value("instructions", s->instructions);
  s->trainImages = j.value("train_images", s->trainImages);
  s->epochs = j.value("epochs", s->epochs);
  s->population = j.value("population", s->population);
  s->generations = j.value("generations", s->generations);
  s->iterations = j.value("iterations", s->iterations);
  s->runDir = j.value("run_dir", s->runDir);
  // SpArSe's objectives, with tinyforge-cli sparse-search's rules (search/bayes_search.h); kept as
  // written (unset stays unset).
  BayesOptions rules;
  if (Status st = applyObjectiveKeys(j, &rules); !st) throw std::runtime_error(st.message());
  s->objectives = j.value("objectives", s->objectives);
  s->sizeObjective = j.value("size_objective", s->sizeObjective);
  s->memoryObjective = j.value("memory_objective", s->memoryObjective);
  s->other = json::object();
  for (const auto& [key, value] : j.items()) {
    if (std::find(std::begin(kSearchKeys), std::end(kSearchKeys), key) == std::end(kSearchKeys)) s->other[key] = value;
  }
}

}  // namespace

nlohmann::json projectToJson(const ProjectData& d) {
  json models = json::array();
  for (const ProjectModel& m : d.models) models.push_back({{"name", m.name}, {"path", m.path}});
  json j = {{"format", "tinyforge-project"}, {"version", 1}, {"name", d.name}, {"models", models},
            {"selected_model", d.selectedModel}, {"device", d.device}, {"planner", d.planner},
            {"export", {{"dir", d.exportDir}, {"fast_kernels", d.fastKernels},
                        {"stack_bytes", d.stackBytes}}},
            {"search", searchToJson(d.search)}};
  for (const auto& [key, value] : d.other.items()) {
    if (!j.contains(key)) j[key] = value;
  }
  return j;
}

bool projectFromJson(const nlohmann::json& j, ProjectData* d, std::string* error) {
  std::string key;
  try {
    ProjectData r;
    if (!j.is_object()) throw std::runtime_error("not a JSON object");
    key = "format";
    if (j.value("format", std::string()) != "tinyforge-project") {
      throw std::runtime_error("not a TinyForge project (\"format\" is not \"tinyforge-project\")");
    }
    key = "name";
    r.name = j.value("name", r.name);
    key = "models";
    for (const json& m : j.value("models", json::array())) {
      r.models.push_back({m.at("name").get<std::string>(), m.at("path").get<std::string>()});
    }
    key = "selected_model";
    r.selectedModel = j.value("selected_model", r.models.empty() ? -1 : 0);
    if (r.selectedModel >= int32_t(r.models.size())) r.selectedModel = int32_t(r.models.size()) - 1;
    key = "device";
    r.device = j.value("device", r.device);
    key = "planner";
    r.planner = j.value("planner", r.planner);
    key = "export";
    const json e = j.value("export", json::object());
    r.exportDir = e.value("dir", r.exportDir);
    r.fastKernels = e.value("fast_kernels", r.fastKernels);
    r.stackBytes = e.value("stack_bytes", r.stackBytes);
    key = "search";
    if (j.contains("search")) searchFromJson(j["search"], &r.search);
    key.clear();
    for (const auto& [k, value] : j.items()) {
      if (std::find(std::begin(kProjectKeys), std::end(kProjectKeys), k) == std::end(kProjectKeys)) r.other[k] = value;
    }
    *d = r;
    return true;
  } catch (const std::exception& e) {
    *error = key.empty() ? e.what() : "\"" + key + "\": " + e.what();
    return false;
  }
}

bool writeFileAtomic(const QString& path, const QByteArray& bytes, QString* error) {
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly)) {
    *error = QObject::tr("Cannot write %1: %2").arg(path, f.errorString());
    return false;
  }
  if (g_failNextWrite) {  // a crash halfway: part of the bytes written, never committed
    g_failNextWrite = false;
    f.write(bytes.left(bytes.size() / 2));
    f.cancelWriting();
    *error = QObject::tr("Cannot write %1: simulated failure").arg(path);
    return false;
  }
  if (f.write(bytes) != bytes.size() || !f.commit()) {
    *error = QObject::tr("Cannot write %1: %2").arg(path, f.errorString());
    return false;
  }
  return true;
}

void ProjectDocument::failNextWriteForTest() { g_failNextWrite = true; }

// One undoable edit: the project before and after.
class ProjectEdit : public QUndoCommand {
 public:
  ProjectEdit(ProjectDocument* doc, const QString& text, ProjectData before, ProjectData after)
      : QUndoCommand(text), m_doc(doc), m_before(std::move(before)), m_after(std::move(after)) {}
  void undo() override { m_doc->apply(m_before); }
  void redo() override { m_doc->apply(m_after); }

 private:
  ProjectDocument* m_doc;
  ProjectData m_before, m_after;
};

ProjectDocument::ProjectDocument(QObject* parent) : QObject(parent) {
  connect(&m_undo, &QUndoStack::cleanChanged, this, [this] { Q_EMIT dirtyChanged(isDirty()); });
  connect(&m_autosave, &QTimer::timeout, this, [this] {
    QString error;
    if (isDirty()) writeAutosave(&error);
  });
  setAutosaveInterval(30000);
}

void ProjectDocument::apply(const ProjectData& data) {
  m_data = data;
  Q_EMIT changed();
}

void ProjectDocument::reset(const ProjectData& data, const QString& path) {
  m_undo.clear();
  m_recovered = false;
  m_path = path;
  apply(data);
  Q_EMIT pathChanged(m_path);
  Q_EMIT dirtyChanged(isDirty());
}

void ProjectDocument::edit(const QString& text, const std::function<void(ProjectData&)>& change) {
  ProjectData after = m_data;
  change(after);
  if (after == m_data) return;
  m_undo.push(new ProjectEdit(this, text, m_data, after));
}

namespace {
bool readProject(const QString& path, ProjectData* data, QString* error) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    *error = QObject::tr("Cannot open %1: %2").arg(path, f.errorString());
    return false;
  }
  const QByteArray bytes = f.readAll();
  const json j = json::parse(bytes.constData(), bytes.constData() + bytes.size(), nullptr, false);
  if (j.is_discarded()) {
    *error = QObject::tr("%1 is not valid JSON").arg(path);
    return false;
  }
  std::string message;
  if (!projectFromJson(j, data, &message)) {
    *error = QObject::tr("%1: %2").arg(path, QString::fromStdString(message));
    return false;
  }
  return true;
}
}  // namespace

bool ProjectDocument::open(const QString& path, QString* error) {
  ProjectData data;
  if (!readProject(path, &data, error)) return false;
  reset(data, QFileInfo(path).absoluteFilePath());
  return true;
}

bool ProjectDocument::writeTo(const QString& path, QString* error) {
  const std::string text = projectToJson(m_data).dump(2) + "\n";
  return writeFileAtomic(path, QByteArray::fromStdString(text), error);
}

bool ProjectDocument::save(QString* error) {
  if (m_path.isEmpty()) {
    *error = tr("The project has no file yet: use Save As.");
    return false;
  }
  if (!writeTo(m_path, error)) return false;
  QFile::remove(autosavePath());
  m_recovered = false;
  m_undo.setClean();
  Q_EMIT dirtyChanged(isDirty());
  return true;
}

bool ProjectDocument::saveAs(const QString& path, QString* error) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  // Model paths stay valid: rewrite the relative ones against the new folder.
  ProjectData moved = m_data;
  for (size_t i = 0; i < moved.models.size(); ++i) {
    const QString file = modelPath(int32_t(i));
    moved.models[i].path = QDir(QFileInfo(absolute).absolutePath()).relativeFilePath(file).toStdString();
  }
  const ProjectData before = m_data;
  const QString oldAutosave = autosavePath();
  m_data = moved;
  if (!writeTo(absolute, error)) {
    m_data = before;
    return false;
  }
  QFile::remove(oldAutosave);
  m_path = absolute;
  m_recovered = false;
  m_undo.setClean();
  Q_EMIT pathChanged(m_path);
  Q_EMIT changed();
  Q_EMIT dirtyChanged(isDirty());
  return true;
}

QString ProjectDocument::modelPath(int32_t index) const {
  if (index < 0 || size_t(index) >= m_data.models.size()) return {};
  return resolvePath(m_data.models[size_t(index)].path);
}

QString ProjectDocument::resolvePath(const std::string& stored) const {
  const QString p = QString::fromStdString(stored);
  if (p.isEmpty() || QFileInfo(p).isAbsolute() || m_path.isEmpty()) return p;
  return QDir::cleanPath(QFileInfo(m_path).dir().absoluteFilePath(p));
}

QString ProjectDocument::exportDir() const {
  if (!m_data.exportDir.empty()) return QString::fromStdString(m_data.exportDir);
  const QString base = m_path.isEmpty()
                           ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
                           : QFileInfo(m_path).absolutePath();
  return QDir(base).absoluteFilePath("firmware");
}

void ProjectDocument::setAutosaveInterval(int ms) {
  m_autosave.stop();
  if (ms > 0) m_autosave.start(ms);
}

QString ProjectDocument::autosavePathFor(const QString& projectPath) {
  if (projectPath.isEmpty()) {
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .absoluteFilePath("untitled.tinyforge.autosave");
  }
  return projectPath + ".autosave";
}

QString ProjectDocument::autosavePath() const { return autosavePathFor(m_path); }

bool ProjectDocument::writeAutosave(QString* error) {
  QDir().mkpath(QFileInfo(autosavePath()).absolutePath());
  return writeTo(autosavePath(), error);
}

bool ProjectDocument::hasNewerAutosave(const QString& projectPath) {
  const QFileInfo autosave(autosavePathFor(projectPath)), project(projectPath);
  return autosave.exists() && (!project.exists() || autosave.lastModified() >= project.lastModified());
}

bool ProjectDocument::recoverAutosave(const QString& projectPath, QString* error) {
  ProjectData data;
  if (!readProject(autosavePathFor(projectPath), &data, error)) return false;
  reset(data, QFileInfo(projectPath).absoluteFilePath());
  m_recovered = true;
  Q_EMIT dirtyChanged(isDirty());
  return true;
}

}  // namespace tinyforge::studio
