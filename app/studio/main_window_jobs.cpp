// MainWindow: the work that runs as jobs (model analysis, firmware export, verification) and
// what the views show of their results (needs against budgets, inspector, measured counts).
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTextBrowser>

#include "app/studio/main_window.h"
#include "engine/firmware/code_size.h"
#include "engine/firmware/device.h"
#include "views/budget_bar.h"
#include "views/deploy_panel.h"
#include "views/graph_view.h"
#include "views/layer_table_view.h"
#include "views/memory_timeline_view.h"
#include "views/timeline_model.h"

namespace tinyforge::studio {

using views::formatBytes;
using views::formatCount;

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

bool MainWindow::busy() const {
  return (m_analysisJob && m_analysisJob->isRunning()) || (m_deployJob && m_deployJob->isRunning()) ||
         (m_candidateJob && m_candidateJob->isRunning());
}

void MainWindow::startJob(std::unique_ptr<Job>& slot, Job* job) {
  if (slot && slot->isRunning()) slot->cancel();
  slot.reset(job);
  m_jobLabel->setText(job->title());
  m_jobProgress->setRange(0, 0);
  m_jobProgress->setVisible(true);
  m_jobCancel->setVisible(true);
  // The job is the context of these connections: a job replaced (deleted) while its signals are
  // queued takes them with it instead of leaving them to run on a dangling pointer.
  connect(job, &Job::progressed, job, [this, job](int percent, const QString& stage) {
    m_jobLabel->setText(job->title() + ": " + stage);
    if (percent < 0) {
      m_jobProgress->setRange(0, 0);
    } else {
      m_jobProgress->setRange(0, 100);
      m_jobProgress->setValue(percent);
    }
  });
  connect(job, &Job::logged, job, [this](const QString& text) { log(text); });
  connect(job, &Job::finished, job, [this, job](bool ok, const QString& message) {
    m_jobLabel->setText(tr("%1: %2").arg(job->title(), ok ? tr("done") : message));
    m_jobProgress->setVisible(busy());
    m_jobCancel->setVisible(busy());
  });
  job->start();
}

void MainWindow::analyseSelectedModel() {
  const QString path = m_doc.modelPath(m_doc.data().selectedModel);
  m_analysedPath = path;
  m_previewPlaceholder = false;
  m_previewCandidate = -1;
  m_previewBar->hide();
  m_selection.setOp(-1);
  if (path.isEmpty()) {
    onAnalysis(nullptr);
    return;
  }
  auto result = std::make_shared<Result<std::shared_ptr<const views::ModelAnalysis>>>(
      Status::error("not run"));
  auto* job = new Job(tr("Analyse %1").arg(QFileInfo(path).fileName()), [path, result](JobContext& c) {
    c.progress(-1, QObject::tr("importing and planning"));
    *result = views::analyzeModelFile(path.toStdString(), c.cancelFlag());
    return JobOutcome{bool(*result), *result ? QString() : q(result->status().message())};
  });
  connect(job, &Job::finished, this, [this, result, path](bool ok, const QString& message) {
    if (path != m_analysedPath) return;  // a newer model was chosen meanwhile
    if (!ok) {
      showError(tr("Cannot analyse %1: %2").arg(path, message));
      onAnalysis(nullptr);
      return;
    }
    clearError();
    m_previewPlaceholder = false;
    m_previewCandidate = -1;
    onAnalysis(result->value());
    log(tr("analysed %1: %2 ops\n").arg(path).arg(result->value()->graph.ops.size()));
    if (!m_verifyAfterAnalysis.isEmpty()) {  // an exported search candidate: build and verify it
      const QString dir = m_verifyAfterAnalysis;
      m_verifyAfterAnalysis.clear();
      verifyFirmware(dir);
    }
  });
  startJob(m_analysisJob, job);
}

void MainWindow::onAnalysis(std::shared_ptr<const views::ModelAnalysis> analysis) {
  const bool newModel = analysis != m_analysis;
  m_analysis = std::move(analysis);
  const std::string planner = m_doc.data().planner;
  if (newModel) {
    m_lastVerify.reset();
    m_table->layers()->setAnalysis(m_analysis, planner);
    m_timeline->setAnalysis(m_analysis);
  }
  m_graph->setAnalysis(m_analysis, planner);
  m_graph->setMetric(static_cast<views::GraphView::NodeMetric>(m_metricBox->currentIndex()));
  m_table->layers()->setPlanner(planner);
  m_timeline->setPlanner(planner);
  if (m_analysis) {
    if (const views::PlannerResult* p = m_analysis->plan(planner); p && !p->error.empty()) {
      showError(tr("Planner %1 failed: %2").arg(q(planner), q(p->error)));
    }
  }
  refreshNeeds();
  refreshInspector();
}

void MainWindow::refreshNeeds() {
  const ProjectData& d = m_doc.data();
  Result<DeviceProfile> device = findDevice(d.device);
  const views::PlannerResult* p = m_analysis ? m_analysis->plan(d.planner) : nullptr;
  if (!device || !p || !p->error.empty()) {
    m_sramStatus->clear();
    m_flashStatus->clear();
    m_instrStatus->clear();
    return;
  }
  int64_t sram = p->model.plan.arenaBytes + d.stackBytes;
  Result<int64_t> estimate = estimateLibraryFlash(device.value().core, p->model, d.fastKernels);
  int64_t flash =
      estimate ? estimate.value() : m_analysis->summary.totalWeightBytes + kCodeBytesEstimate;
  QString sramWhat = tr("planned arena + %1 B stack reserve").arg(d.stackBytes);
  QString flashWhat = tr("model library estimate: constants, per-op data, linked kernels");
  QString instructions = tr("instructions: run \"Build and verify\" to measure");
  if (m_lastVerify) {
    sram = m_lastVerify->ramBytes + m_lastVerify->stackBytes;
    flash = m_lastVerify->libraryFlashBytes > 0 ? m_lastVerify->libraryFlashBytes
                                                : m_lastVerify->flashBytes;
    sramWhat = tr("measured in emulator: static + stack");
    flashWhat = m_lastVerify->libraryFlashBytes > 0
                    ? tr("measured: model library (arm-none-eabi-size)")
                    : tr("measured: arm-none-eabi-size");
    const double ms = double(m_lastVerify->instructions) / (device.value().clockMhz * 1000.0);
    instructions = tr("%1 instructions (measured in emulator); about %2 ms at %3 MHz (estimate, 1 instr/cycle)")
                       .arg(q(formatCount(m_lastVerify->instructions)))
                       .arg(ms, 0, 'f', 1)
                       .arg(device.value().clockMhz);
  }
  m_sramStatus->setValues(sram, device.value().sramBytes, sramWhat);
  m_flashStatus->setValues(flash, device.value().flashBytes, flashWhat);
  m_instrStatus->setText(instructions);
  m_deploy->setNeeds(sram, device.value().sramBytes, flash, device.value().flashBytes, sramWhat, flashWhat);
  m_timeline->setBudgetBytes(device.value().sramBytes - d.stackBytes);
}

void MainWindow::refreshInspector() {
  const int32_t op = m_selection.op();
  if (!m_analysis || op < 0 || size_t(op) >= m_analysis->summary.layers.size()) {
    m_inspector->setHtml(m_analysis ? tr("<p>Click a layer in the graph, the table or the timeline.</p>")
                                    : tr("<p>No model.</p>"));
    return;
  }
  const LayerSummary& l = m_analysis->summary.layers[size_t(op)];
  QString shape;
  for (size_t i = 0; i < l.outputShape.size(); ++i) shape += (i ? "x" : "") + QString::number(l.outputShape[i]);
  QString html = tr("<h3>%1</h3><p><b>%2</b> (layer %3)<br>%4</p><table>")
                     .arg(q(l.name).toHtmlEscaped(), q(l.op)).arg(l.index).arg(q(l.params).toHtmlEscaped());
  html += tr("<tr><td>output</td><td>%1</td></tr>").arg(shape);
  html += tr("<tr><td>MACs</td><td>%1</td></tr>").arg(q(formatCount(l.macs)));
  html += tr("<tr><td>weights</td><td>%1 B</td></tr>").arg(q(formatCount(l.weightBytes)));
  for (const std::string& name : views::studioPlanners()) {
    const views::PlannerResult* p = m_analysis->plan(name);
    if (!p || !p->error.empty()) continue;
    html += tr("<tr><td>live memory (%1)</td><td>%2 B</td></tr>")
                .arg(q(name), q(formatCount(p->liveBytesAtOp[size_t(op)])));
  }
  html += "</table>";
  m_inspector->setHtml(html);
}

}  // namespace tinyforge::studio
