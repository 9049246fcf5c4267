#include "views/search_view.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <cmath>

#include "views/search_curves_view.h"
#include "views/search_scatter_view.h"

namespace tinyforge::views {

SearchView::SearchView(QWidget* parent) : QWidget(parent) {
  m_settings = new QLabel;
  m_settings->setWordWrap(true);
  m_settingsButton = new QPushButton(tr("Settings..."));
  m_start = new QPushButton(tr("Start search"));
  m_stop = new QPushButton(tr("Stop"));
  m_resume = new QPushButton(tr("Resume"));
  m_start->setToolTip(tr("Start a new run with the project's settings (a new run folder)"));
  m_stop->setToolTip(tr("Stop at the next batch; the run keeps its checkpoint and can be resumed"));
  m_resume->setToolTip(tr("Continue the stopped run from its checkpoint"));
  m_stop->setEnabled(false);
  m_resume->setEnabled(false);
  auto* top = new QHBoxLayout;
  top->addWidget(m_settings, 1);
  top->addWidget(m_settingsButton);
  top->addWidget(m_start);
  top->addWidget(m_stop);
  top->addWidget(m_resume);

  m_progress = new QProgressBar;
  m_progress->setRange(0, 1000);
  m_progress->setTextVisible(true);
  m_progress->setFormat("%p%");
  m_stage = new QLabel;
  m_status = new QLabel(tr("No search has run in this project yet."));
  m_status->setWordWrap(true);
  auto* bar = new QHBoxLayout;
  bar->addWidget(m_progress, 2);
  bar->addWidget(m_stage, 3);

  m_scatter = new SearchScatterView;
  m_curves = new SearchCurvesView;
  m_candidate = new QTextBrowser;
  m_candidate->setMinimumHeight(120);
  m_export = new QPushButton(tr("Export firmware (build and verify in QEMU)"));
  m_export->setEnabled(false);
  auto* candidateBox = new QGroupBox(tr("Selected candidate"));
  auto* candidateLayout = new QVBoxLayout(candidateBox);
  candidateLayout->addWidget(m_candidate, 1);
  candidateLayout->addWidget(m_export);
  auto* right = new QSplitter(Qt::Vertical);
  right->addWidget(m_curves);
  right->addWidget(candidateBox);
  right->setStretchFactor(0, 3);
  right->setStretchFactor(1, 2);
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(m_scatter);
  split->addWidget(right);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(top);
  layout->addLayout(bar);
  layout->addWidget(m_status);
  layout->addWidget(split, 1);

  connect(m_settingsButton, &QPushButton::clicked, this, &SearchView::settingsRequested);
  connect(m_start, &QPushButton::clicked, this, &SearchView::startRequested);
  connect(m_stop, &QPushButton::clicked, this, &SearchView::stopRequested);
  connect(m_resume, &QPushButton::clicked, this, &SearchView::resumeRequested);
  connect(m_export, &QPushButton::clicked, this, &SearchView::exportRequested);
  connect(m_scatter, &SearchScatterView::candidateActivated, this, &SearchView::candidateActivated);
  setCandidate({}, false);
}

void SearchView::setSettingsText(const QString& text) { m_settings->setText(text); }

void SearchView::setRunState(bool running, bool canResume, const QString& status) {
  m_start->setEnabled(!running);
  m_settingsButton->setEnabled(!running);
  m_stop->setEnabled(running);
  m_resume->setEnabled(!running && canResume);
  m_status->setText(status);
}

QString SearchView::formatEta(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return {};
  const long s = std::lround(seconds);
  if (s < 60) return tr("about %1 s left").arg(s);
  if (s < 3600) return tr("about %1 min %2 s left").arg(s / 60).arg(s % 60);
  return tr("about %1 h %2 min left").arg(s / 3600).arg((s % 3600) / 60);
}

void SearchView::setProgress(double fraction, const QString& stage, double etaSeconds) {
  m_progress->setValue(int(std::lround(std::clamp(fraction, 0.0, 1.0) * 1000)));
  const QString eta = formatEta(etaSeconds);
  m_stage->setText(eta.isEmpty() ? stage : stage + " - " + eta);
}

void SearchView::setCandidate(const QString& html, bool exportable) {
  m_candidate->setHtml(html.isEmpty() ? tr("<p>Click a point of the scatter to open that candidate in the Model "
                                           "and Memory views and to export it as firmware.</p>")
                                      : html);
  m_export->setEnabled(exportable);
}

void SearchView::setExportBusy(bool busy, const QString& text) {
  m_export->setEnabled(!busy);
  m_export->setText(busy ? text : tr("Export firmware (build and verify in QEMU)"));
}

QString SearchView::statusText() const { return m_status->text() + " | " + m_stage->text(); }

}  // namespace tinyforge::views
