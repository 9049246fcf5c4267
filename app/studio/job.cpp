#include "app/studio/job.h"

#include <QThread>
#include <exception>

namespace tinyforge::studio {

const std::atomic<bool>* JobContext::cancelFlag() const { return &m_job->m_cancel; }
bool JobContext::cancelled() const { return m_job->m_cancel.load(); }
void JobContext::progress(int percent, const QString& stage) { Q_EMIT m_job->progressed(percent, stage); }
void JobContext::log(const QString& text) { Q_EMIT m_job->logged(text); }

Job::Job(const QString& title, Work work, QObject* parent)
    : QObject(parent), m_title(title), m_work(std::move(work)) {}

Job::~Job() {
  m_cancel = true;
  if (m_thread) {
    m_thread->wait();
    delete m_thread;
  }
}

void Job::start() {
  if (m_running || m_thread) return;
  m_running = true;
  m_thread = QThread::create([this] {
    JobContext context(this);
    JobOutcome outcome;
    try {
      outcome = m_work(context);
    } catch (const std::exception& e) {
      outcome = {false, tr("internal error: %1").arg(e.what())};
    } catch (...) {
      outcome = {false, tr("internal error")};
    }
    if (m_cancel && !outcome.ok) outcome.message = tr("Cancelled.");
    QMetaObject::invokeMethod(this, [this, outcome] {
      m_running = false;
      Q_EMIT finished(outcome.ok, outcome.message);
    }, Qt::QueuedConnection);
  });
  m_thread->start();
}

bool Job::wait(int ms) { return !m_thread || m_thread->wait(QDeadlineTimer(ms)); }

}  // namespace tinyforge::studio
