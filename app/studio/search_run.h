// A TinyNAS or SpArSe run driven from the studio: tinyforge-cli search / sparse-search in its own
// process (libtorch stays out of the studio), followed through the files it writes in the run
// folder (events.jsonl, history.json, space.json, report.json; see app/train/search_command.cpp).
// Because everything comes from those files, a run the studio did not start, or one stopped when
// the studio closed, is shown the same way: open the folder and its story is there.
//
//   SearchRun run;  run.start(dir, projectJson, "tinynas", "quick", &error);
//   connect(&run, &SearchRun::historyChanged, ...);   run.stop();   // resumable: run.start(dir, ...)
#pragma once
#include <QObject>
#include <QProcess>
#include <QString>
#include <QTimer>
#include <vector>

#include <nlohmann/json.hpp>

namespace tinyforge::studio {

struct RunEvent {
  QString kind;   // "start", "progress", "end"
  QString stage;  // progress: "stage1", "supernet", "evolution", "qat", "train", "sparse", ...
  int epoch = 0, epochs = 0;
  qint64 batch = 0, batches = 0;
  double loss = 0, accuracy = 0, hypervolume = 0;
  double time = 0;  // seconds since the epoch
  bool ok = false;  // end
  QString message;  // end
};
RunEvent runEventFromJson(const nlohmann::json& json);

// Where a run is, from its events: the share of the work done (0..1) and what it is doing.
struct RunProgress {
  double fraction = 0;
  QString stage;        // for people: "training the supernet (epoch 2/30)"
  double etaSeconds = -1;  // -1: unknown
};
RunProgress runProgress(const std::vector<RunEvent>& events, const QString& command, double now);

class SearchRun : public QObject {
  Q_OBJECT
 public:
  enum class State { kEmpty, kRunning, kStopping, kStopped, kFailed, kFinished };

  explicit SearchRun(QObject* parent = nullptr);
  ~SearchRun() override;  // a running search is stopped (it keeps its checkpoint)

  // tinyforge-cli beside the studio, or in the build tree; empty when missing.
  static QString toolPath();

  // Starts (or, in a folder that holds a stopped run, resumes) `method` ("tinynas",
  // "tinynas-random", "sparse", "sparse-random") with the project's settings, written to
  // dir/project.json. False with a message when it cannot start.
  bool start(const QString& dir, const nlohmann::json& project, const QString& method, const QString& preset,
             QString* error);
  void stop();  // SIGTERM: the tool stops at the next batch, keeps its checkpoint and exits
  // Shows the run in `dir` (no process): what a reopened project does.
  void load(const QString& dir);
  void clear();

  State state() const { return m_state; }
  bool isRunning() const { return m_state == State::kRunning || m_state == State::kStopping; }
  QString dir() const { return m_dir; }
  QString command() const { return m_command; }  // "search" or "sparse-search"
  QString method() const { return m_method; }
  QString preset() const { return m_preset; }
  const std::vector<RunEvent>& events() const { return m_events; }
  const nlohmann::json& history() const { return m_history; }  // null until written
  const nlohmann::json& space() const { return m_space; }
  const nlohmann::json& report() const { return m_report; }
  RunProgress progress() const;
  QString lastMessage() const { return m_lastMessage; }
  void poll();  // reads what is new in the folder (a timer calls it while running)

 Q_SIGNALS:
  void eventsAdded(int first);  // index of the first new event
  void historyChanged();
  void spaceChanged();
  void reportChanged();
  void stateChanged();
  void output(const QString& text);  // the tool's stderr, for the log

 private:
  void readRunFile();
  void setState(State s);
  struct FileStamp {  // when a file of the run folder was last read
    qint64 modified = -1, size = -1;
    bool operator==(const FileStamp&) const = default;
  };
  bool readJsonIfChanged(const QString& name, FileStamp* stamp, nlohmann::json* into);

  QProcess* m_process = nullptr;
  QTimer m_timer;
  QString m_dir, m_command, m_method, m_preset, m_lastMessage;
  State m_state = State::kEmpty;
  std::vector<RunEvent> m_events;
  qint64 m_eventsOffset = 0;
  QByteArray m_partialLine;
  nlohmann::json m_history, m_space, m_report;
  FileStamp m_historyStamp, m_spaceStamp, m_reportStamp;
};

}  // namespace tinyforge::studio
