// Long work off the UI thread: a Job runs a function on its own thread, which reports progress
// and log text through a JobContext and honours its cancel flag; the signals arrive on the UI
// thread. A job never throws into Qt: an exception becomes a failed finish with its message.
//
//   auto* job = new Job(tr("Verify"), [](JobContext& c) { ...; c.progress(50, "running"); ...;
//                                                          return JobOutcome{true, "ok"}; });
//   connect(job, &Job::finished, this, [](bool ok, QString msg) { ... });  job->start();
#pragma once
#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>

class QThread;

namespace tinyforge::studio {

struct JobOutcome {
  bool ok = false;
  QString message;
};

class Job;

class JobContext {
 public:
  explicit JobContext(Job* job) : m_job(job) {}
  const std::atomic<bool>* cancelFlag() const;
  bool cancelled() const;
  void progress(int percent, const QString& stage);  // percent -1: unknown
  void log(const QString& text);

 private:
  Job* m_job;
};

class Job : public QObject {
  Q_OBJECT
 public:
  using Work = std::function<JobOutcome(JobContext&)>;
  Job(const QString& title, Work work, QObject* parent = nullptr);
  ~Job() override;  // cancels and waits

  QString title() const { return m_title; }
  void start();
  void cancel() { m_cancel = true; }
  bool isRunning() const { return m_running; }
  bool wait(int ms);  // tests: waits for the thread to end

 Q_SIGNALS:
  void progressed(int percent, const QString& stage);
  void logged(const QString& text);
  void finished(bool ok, const QString& message);

 private:
  friend class JobContext;
  QString m_title;
  Work m_work;
  std::atomic<bool> m_cancel{false};
  bool m_running = false;
  QThread* m_thread = nullptr;
};

}  // namespace tinyforge::studio
