#include "app/studio/search_run.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <csignal>

#include <unistd.h>

#include "app/studio/project_document.h"

namespace tinyforge::studio {

using nlohmann::json;

namespace {
constexpr int kSearchNiceness = 10;
}  // namespace

RunEvent runEventFromJson(const json& j) {
  RunEvent e;
  if (!j.is_object()) return e;
  e.kind = QString::fromStdString(j.value("event", std::string()));
  e.stage = QString::fromStdString(j.value("stage", std::string()));
  e.epoch = j.value("epoch", 0);
  e.epochs = j.value("epochs", 0);
  e.batch = j.value("batch", int64_t(0));
  e.batches = j.value("batches", int64_t(0));
  e.loss = j.value("loss", 0.0);
  e.accuracy = j.value("accuracy", 0.0);
  e.hypervolume = j.value("hypervolume", 0.0);
  e.time = j.value("time", 0.0);
  e.ok = j.value("ok", false);
  e.message = QString::fromStdString(j.value("message", std::string()));
  return e;
}

namespace {

// Share of an epoch loop done: ((epoch - 1) + batch / batches) / epochs.
double loopShare(const RunEvent& e) {
  if (e.epochs <= 0) return 0;
  const double inEpoch = e.batches > 0 ? double(e.batch) / double(e.batches) : 1.0;
  return std::clamp((std::max(0, e.epoch - 1) + inEpoch) / e.epochs, 0.0, 1.0);
}

// TinyNAS: the quick preset measured 1 % stage 1, 50 % supernet, 10 % evolution, 37 %
// fine-tuning and int8 evaluation, 2 % firmware; the full preset spends more in the supernet.
struct Share {
  double fraction;
  QString text;
};

Share tinyNasShare(const RunEvent& e) {
  const QString epochs = QObject::tr("epoch %1/%2").arg(e.epoch).arg(e.epochs);
  if (e.stage == "stage1") return {0.02, QObject::tr("stage 1 done: chose width and resolution")};
  if (e.stage == "supernet") return {0.02 + 0.55 * loopShare(e), QObject::tr("training the supernet (%1)").arg(epochs)};
  if (e.stage == "evolution") {
    return {0.57 + 0.15 * loopShare(e), QObject::tr("evolution: generation %1/%2, candidate %3/%4")
                                            .arg(e.epoch).arg(e.epochs).arg(e.batch).arg(e.batches)};
  }
  if (e.stage == "qat") return {0.72 + 0.13 * loopShare(e), QObject::tr("fine-tuning the winner (%1)").arg(epochs)};
  if (e.stage == "validate" || e.stage == "calibrate") return {0.85, QObject::tr("int8 conversion and test accuracy")};
  if (e.stage == "firmware") return {0.95, QObject::tr("firmware: export, build and run in QEMU")};
  return {-1, {}};
}

// SpArSe: the points share 95 %, each point its training (60 %) then pruning (40 %).
Share sparseShare(const RunEvent& e, int pointsDone, int points) {
  if (points <= 0) return {-1, {}};
  const double point = 0.95 / points;
  const double base = point * pointsDone;
  const QString which = QObject::tr("point %1/%2").arg(std::min(pointsDone + 1, points)).arg(points);
  if (e.stage == "sparse") {
    return {0.95 * e.epoch / points, QObject::tr("point %1/%2 measured (hypervolume %3)")
                                         .arg(e.epoch).arg(points).arg(e.hypervolume, 0, 'f', 3)};
  }
  if (e.stage == "train") {
    return {base + point * 0.6 * loopShare(e),
            QObject::tr("training %1 (epoch %2/%3)").arg(which).arg(e.epoch).arg(e.epochs)};
  }
  if (e.stage == "qat") return {base + point * (0.6 + 0.4 * loopShare(e)), QObject::tr("pruning %1").arg(which)};
  if (e.stage == "validate" || e.stage == "calibrate") {
    return {base + point * 0.6, QObject::tr("measuring %1").arg(which)};
  }
  return {-1, {}};
}

}  // namespace

RunProgress runProgress(const std::vector<RunEvent>& events, const QString& command, double now) {
  RunProgress p;
  const bool sparse = command == "sparse-search";
  int points = 0, pointsDone = 0;
  double startTime = -1, startFraction = 0;
  for (const RunEvent& e : events) {
    if (e.kind == "start") {
      startTime = e.time;
      startFraction = p.fraction;
      p.stage = QObject::tr("starting");
      continue;
    }
    if (e.kind == "end") {
      if (e.ok) p.fraction = 1;
      p.stage = e.ok ? QObject::tr("finished") : QObject::tr("stopped: %1").arg(e.message);
      startTime = -1;
      continue;
    }
    if (sparse && e.stage == "sparse") {
      points = e.epochs;
      pointsDone = e.epoch;
    }
    const Share s = sparse ? sparseShare(e, pointsDone, points) : tinyNasShare(e);
    if (s.fraction < 0) continue;
    p.fraction = std::max(p.fraction, s.fraction);
    p.stage = s.text;
  }
  if (startTime > 0 && p.fraction - startFraction > 0.005 && p.fraction < 1) {
    p.etaSeconds = (now - startTime) * (1 - p.fraction) / (p.fraction - startFraction);
  }
  return p;
}

SearchRun::SearchRun(QObject* parent) : QObject(parent) {
  m_timer.setInterval(300);
  connect(&m_timer, &QTimer::timeout, this, &SearchRun::poll);
}

SearchRun::~SearchRun() {
  if (m_process && m_process->state() != QProcess::NotRunning) {
    m_process->terminate();
    if (!m_process->waitForFinished(15000)) m_process->kill();
    m_process->waitForFinished(2000);
  }
}

QString SearchRun::toolPath() {
  const QStringList candidates = {QCoreApplication::applicationDirPath() + "/tinyforge-cli",
#ifdef TINYFORGE_TOOL_DIR
                                  QStringLiteral(TINYFORGE_TOOL_DIR) + "/tinyforge-cli"
#endif
  };
  for (const QString& c : candidates) {
    if (QFileInfo(c).isExecutable()) return c;
  }
  return {};
}

void SearchRun::clear() {
  if (isRunning()) return;
  m_dir.clear();
  m_command.clear();
  m_method.clear();
  m_preset.clear();
  m_lastMessage.clear();
  m_events.clear();
  m_eventsOffset = 0;
  m_partialLine.clear();
  m_history = m_space = m_report = json();
  m_historyStamp = m_spaceStamp = m_reportStamp = FileStamp{};
  Q_EMIT historyChanged();
  Q_EMIT spaceChanged();
  Q_EMIT reportChanged();
  setState(State::kEmpty);
}

bool SearchRun::start(const QString& dir, const json& project, const QString& method, const QString& preset,
                      QString* error) {
  if (isRunning()) {
    *error = tr("A search is already running.");
    return false;
  }
  const QString tool = toolPath();
  if (tool.isEmpty()) {
    *error = tr("tinyforge-cli was not found beside the studio (%1); build it with make.")
                 .arg(QCoreApplication::applicationDirPath());
    return false;
  }
  if (!QDir().mkpath(dir)) {
    *error = tr("Cannot create the run folder %1.").arg(dir);
    return false;
  }
  const QString projectFile = QDir(dir).absoluteFilePath("project.json");
  if (!writeFileAtomic(projectFile, QByteArray::fromStdString(project.dump(2)), error)) return false;
  const bool sparse = method.startsWith("sparse");
  QStringList args = {sparse ? "sparse-search" : "search", "--project", projectFile, "--out", dir,
                      "--preset", preset, "--method",
                      sparse ? (method.endsWith("random") ? "random" : "bayes")
                             : (method.endsWith("random") ? "random" : "evolution")};
  if (m_dir != dir) load(dir);  // a resumed run keeps its story
  m_method = method;
  m_preset = preset;
  m_command = args[0];
  m_lastMessage.clear();
  delete m_process;
  m_process = new QProcess(this);
  m_process->setProcessChannelMode(QProcess::SeparateChannels);
  connect(m_process, &QProcess::readyReadStandardError, this, [this] {
    Q_EMIT output(QString::fromUtf8(m_process->readAllStandardError()));
  });
  connect(m_process, &QProcess::readyReadStandardOutput, this, [this] {
    Q_EMIT output(QString::fromUtf8(m_process->readAllStandardOutput()));
  });
  connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
    poll();
    m_timer.stop();
    const bool stopping = m_state == State::kStopping;
    if (code == 0 && status == QProcess::NormalExit) {
      setState(State::kFinished);
    } else {
      if (m_lastMessage.isEmpty()) {
        m_lastMessage = status == QProcess::CrashExit ? tr("the search process crashed")
                                                      : tr("the search ended with exit code %1").arg(code);
      }
      setState(stopping ? State::kStopped : State::kFailed);
    }
  });
  connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
    if (e != QProcess::FailedToStart) return;
    m_lastMessage = tr("cannot start %1: %2").arg(toolPath(), m_process->errorString());
    m_timer.stop();
    setState(State::kFailed);
  });
  // The search trains with every core; below the studio's priority, so that the window the user
  // watches it in stays responsive (measured by tinyforge --search-tour) while the search runs
  // at full speed whenever the window is idle.
  m_process->setChildProcessModifier([] { (void)::nice(kSearchNiceness); });
  m_process->start(tool, args);
  setState(State::kRunning);
  m_timer.start();
  return true;
}

void SearchRun::stop() {
  if (m_state != State::kRunning || !m_process) return;
  setState(State::kStopping);
  m_process->terminate();
}

void SearchRun::load(const QString& dir) {
  if (isRunning()) return;
  clear();
  m_dir = dir;
  readRunFile();
  poll();
  if (m_events.empty() && m_history.is_null()) {
    setState(State::kEmpty);
    return;
  }
  const auto end = std::find_if(m_events.rbegin(), m_events.rend(),
                                [](const RunEvent& e) { return e.kind != "progress"; });
  if (end != m_events.rend() && end->kind == "end" && end->ok) {
    setState(State::kFinished);
  } else {
    if (end != m_events.rend() && end->kind == "end") m_lastMessage = end->message;
    setState(State::kStopped);  // a run whose process ended without "end" was killed: resumable
  }
}

void SearchRun::readRunFile() {
  QFile f(QDir(m_dir).absoluteFilePath("run.json"));
  if (!f.open(QIODevice::ReadOnly)) return;
  const json j = json::parse(f.readAll().toStdString(), nullptr, false);
  if (!j.is_object()) return;
  m_command = QString::fromStdString(j.value("command", std::string()));
  const std::string m = j.value("method", std::string());
  m_method = m_command == "sparse-search" ? (m == "random" ? "sparse-random" : "sparse")
                                          : (m == "random" ? "tinynas-random" : "tinynas");
  m_preset = QString::fromStdString(j.value("preset", std::string()));
}

bool SearchRun::readJsonIfChanged(const QString& name, FileStamp* stamp, json* into) {
  const QFileInfo info(QDir(m_dir).absoluteFilePath(name));
  if (!info.exists()) return false;
  const FileStamp t{info.lastModified().toMSecsSinceEpoch(), info.size()};
  if (t == *stamp) return false;
  QFile f(info.absoluteFilePath());
  if (!f.open(QIODevice::ReadOnly)) return false;
  json j = json::parse(f.readAll().toStdString(), nullptr, false);
  if (j.is_discarded()) return false;  // written atomically, so this is not a half file: skip it
  *stamp = t;
  *into = std::move(j);
  return true;
}

void SearchRun::poll() {
  if (m_dir.isEmpty()) return;
  if (m_command.isEmpty()) readRunFile();
  QFile f(QDir(m_dir).absoluteFilePath("events.jsonl"));
  if (f.open(QIODevice::ReadOnly) && f.size() > m_eventsOffset) {
    f.seek(m_eventsOffset);
    const QByteArray bytes = f.readAll();
    m_eventsOffset += bytes.size();
    m_partialLine += bytes;
    const int first = int(m_events.size());
    qsizetype nl;
    while ((nl = m_partialLine.indexOf('\n')) >= 0) {
      const json j = json::parse(m_partialLine.left(nl).toStdString(), nullptr, false);
      m_partialLine.remove(0, nl + 1);
      if (!j.is_object()) continue;
      m_events.push_back(runEventFromJson(j));
      if (m_events.back().kind == "end" && !m_events.back().ok) m_lastMessage = m_events.back().message;
    }
    if (int(m_events.size()) > first) Q_EMIT eventsAdded(first);
  }
  if (readJsonIfChanged("history.json", &m_historyStamp, &m_history)) Q_EMIT historyChanged();
  if (readJsonIfChanged("space.json", &m_spaceStamp, &m_space)) Q_EMIT spaceChanged();
  if (readJsonIfChanged("report.json", &m_reportStamp, &m_report)) Q_EMIT reportChanged();
}

RunProgress SearchRun::progress() const {
  return runProgress(m_events, m_command, double(QDateTime::currentMSecsSinceEpoch()) / 1000.0);
}

void SearchRun::setState(State s) {
  m_state = s;
  Q_EMIT stateChanged();
}

}  // namespace tinyforge::studio
