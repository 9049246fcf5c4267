#include "app/studio/settings_dialog.h"

#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "engine/firmware/device.h"
#include "views/model_analysis.h"

namespace tinyforge::studio {

namespace {

const QStringList kMethods = {"tinynas", "tinynas-random", "sparse", "sparse-random"};

QSpinBox* countBox(int max, const QString& zeroText, const QString& suffix = {}) {
  auto* b = new QSpinBox;
  b->setRange(0, max);
  b->setSpecialValueText(zeroText);
  b->setSuffix(suffix);
  b->setGroupSeparatorShown(true);
  return b;
}

}  // namespace

SettingsDialog::SettingsDialog(const ProjectData& project, QWidget* parent) : QDialog(parent), m_data(project) {
  setWindowTitle(tr("Project settings"));
  const SearchSettings& s = project.search;

  m_dataset = new QComboBox;
  m_dataset->addItem(tr("Fashion-MNIST (Debian's dataset-fashion-mnist)"), "fashion-mnist");
  m_dataset->addItem(tr("MNIST-format files in a folder (IDX)"), "mnist");
  m_dataset->addItem(tr("CIFAR-10 binary batches in a folder"), "cifar10");
  m_datasetDir = new QLineEdit;
  m_datasetDir->setPlaceholderText(tr("folder with train-images-idx3-ubyte... or data_batch_1.bin..."));
  auto* browse = new QPushButton(tr("Browse..."));
  const QString ds = QString::fromStdString(s.dataset);
  const int colon = int(ds.indexOf(':'));
  m_dataset->setCurrentIndex(std::max(0, m_dataset->findData(colon < 0 ? ds : ds.left(colon))));
  if (colon >= 0) m_datasetDir->setText(ds.mid(colon + 1));
  auto* dirRow = new QHBoxLayout;
  dirRow->addWidget(m_datasetDir, 1);
  dirRow->addWidget(browse);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Dataset folder"), m_datasetDir->text());
    if (!dir.isEmpty()) m_datasetDir->setText(dir);
  });
  auto syncDir = [this, browse] {
    const bool needsDir = m_dataset->currentData().toString() != "fashion-mnist";
    m_datasetDir->setEnabled(needsDir);
    browse->setEnabled(needsDir);
  };
  connect(m_dataset, &QComboBox::currentIndexChanged, this, syncDir);
  syncDir();

  m_device = new QComboBox;
  for (const std::string& n : deviceNames()) m_device->addItem(QString::fromStdString(n));
  m_device->setCurrentText(QString::fromStdString(project.device));
  m_planner = new QComboBox;
  for (const std::string& n : views::studioPlanners()) m_planner->addItem(QString::fromStdString(n));
  m_planner->setCurrentText(QString::fromStdString(project.planner));
  m_sram = countBox(64 * 1024 * 1024, {}, tr(" B"));
  m_flash = countBox(64 * 1024 * 1024, {}, tr(" B"));
  m_sram->setValue(int(s.sramBytes));
  m_flash->setValue(int(s.flashBytes));
  m_macs = new QDoubleSpinBox;
  m_macs->setRange(0, 100000);
  m_macs->setDecimals(1);
  m_macs->setSuffix(tr(" M MACs"));
  m_macs->setSpecialValueText(tr("no limit"));
  m_macs->setValue(double(s.macs) / 1e6);
  m_latency = new QDoubleSpinBox;
  m_latency->setRange(0, 100000);
  m_latency->setDecimals(1);
  m_latency->setSuffix(tr(" M instructions"));
  m_latency->setSpecialValueText(tr("no limit"));
  m_latency->setValue(double(s.instructions) / 1e6);
  connect(m_device, &QComboBox::currentIndexChanged, this, &SettingsDialog::updateDeviceHints);
  updateDeviceHints();

  m_method = new QComboBox;
  m_method->addItem(tr("TinyNAS: supernet + evolution"), kMethods[0]);
  m_method->addItem(tr("TinyNAS: random search (baseline)"), kMethods[1]);
  m_method->addItem(tr("SpArSe: Bayesian, architecture + pruning"), kMethods[2]);
  m_method->addItem(tr("SpArSe: random search (baseline)"), kMethods[3]);
  m_method->setCurrentIndex(std::max(0, m_method->findData(QString::fromStdString(s.method))));
  m_preset = new QComboBox;
  m_preset->addItem(tr("quick (minutes: a subset, few epochs)"), "quick");
  m_preset->addItem(tr("full (hours: the real run)"), "full");
  m_preset->setCurrentIndex(std::max(0, m_preset->findData(QString::fromStdString(s.preset))));
  m_trainImages = countBox(1000000, tr("preset"), tr(" images"));
  m_trainImages->setValue(int(s.trainImages));
  m_epochs = countBox(1000, tr("preset"));
  m_epochs->setValue(s.epochs);
  m_population = countBox(10000, tr("preset"));
  m_population->setValue(s.population);
  m_generations = countBox(10000, tr("preset"));
  m_generations->setValue(s.generations);
  m_iterations = countBox(10000, tr("preset"));
  m_iterations->setValue(s.iterations);
  // SpArSe's objectives: the error always; size and memory optimised or kept as budgets only.
  auto has = [&s](const char* n) {
    return s.objectives.empty() || std::find(s.objectives.begin(), s.objectives.end(), n) != s.objectives.end();
  };
  m_optimiseSize = new QCheckBox(tr("size"));
  m_optimiseSize->setChecked(has("size"));
  m_optimiseMemory = new QCheckBox(tr("working memory"));
  m_optimiseMemory->setChecked(has("memory"));
  auto* errorBox = new QCheckBox(tr("error"));
  errorBox->setChecked(true);
  errorBox->setEnabled(false);
  const QString leftOut = tr("Left out, it stays a budget and is still reported for every point.");
  m_optimiseSize->setToolTip(leftOut);
  m_optimiseMemory->setToolTip(leftOut);
  auto* objectivesRow = new QHBoxLayout;
  objectivesRow->addWidget(errorBox);
  objectivesRow->addWidget(m_optimiseSize);
  objectivesRow->addWidget(m_optimiseMemory);
  objectivesRow->addStretch(1);
  m_sizeMeasure = new QComboBox;
  m_sizeMeasure->addItem(tr("flash bytes of the exported model"), "flash");
  m_sizeMeasure->addItem(tr("non-zero parameters"), "nonzero");
  m_sizeMeasure->setCurrentIndex(std::max(0, m_sizeMeasure->findData(QString::fromStdString(s.sizeObjective))));
  m_memoryMeasure = new QComboBox;
  m_memoryMeasure->addItem(tr("SpArSe: largest input + output of a layer"), "sparse");
  m_memoryMeasure->addItem(tr("the engine's best plan (peak SRAM)"), "best");
  m_memoryMeasure->setCurrentIndex(std::max(0, m_memoryMeasure->findData(QString::fromStdString(s.memoryObjective))));
  auto syncObjectives = [this] {  // TinyNAS has no such objectives: its budgets are constraints
    const bool sparse = m_method->currentData().toString().startsWith("sparse");
    for (QWidget* w : {static_cast<QWidget*>(m_optimiseSize), static_cast<QWidget*>(m_optimiseMemory),
                       static_cast<QWidget*>(m_sizeMeasure), static_cast<QWidget*>(m_memoryMeasure)}) {
      w->setEnabled(sparse);
    }
  };
  connect(m_method, &QComboBox::currentIndexChanged, this, syncObjectives);
  syncObjectives();

  auto* dataBox = new QGroupBox(tr("Dataset"));
  auto* dataForm = new QFormLayout(dataBox);
  dataForm->addRow(tr("Data:"), m_dataset);
  dataForm->addRow(tr("Folder:"), dirRow);
  auto* deviceBox = new QGroupBox(tr("Device and budgets"));
  auto* deviceForm = new QFormLayout(deviceBox);
  deviceForm->addRow(tr("Device:"), m_device);
  deviceForm->addRow(tr("Peak SRAM (search):"), m_sram);
  deviceForm->addRow(tr("Flash (search):"), m_flash);
  deviceForm->addRow(tr("MACs:"), m_macs);
  deviceForm->addRow(tr("Latency:"), m_latency);
  deviceForm->addRow(tr("Memory planner:"), m_planner);
  auto* searchBox = new QGroupBox(tr("Search"));
  auto* searchForm = new QFormLayout(searchBox);
  searchForm->addRow(tr("Method:"), m_method);
  searchForm->addRow(tr("Preset:"), m_preset);
  searchForm->addRow(tr("Training images:"), m_trainImages);
  searchForm->addRow(tr("Epochs:"), m_epochs);
  searchForm->addRow(tr("Population (TinyNAS):"), m_population);
  searchForm->addRow(tr("Generations (TinyNAS):"), m_generations);
  searchForm->addRow(tr("Points (SpArSe):"), m_iterations);
  searchForm->addRow(tr("Optimise (SpArSe):"), objectivesRow);
  searchForm->addRow(tr("Size as (SpArSe):"), m_sizeMeasure);
  searchForm->addRow(tr("Memory as (SpArSe):"), m_memoryMeasure);
  m_error = new QLabel;
  m_error->setStyleSheet("color: #b71c1c;");
  m_error->setWordWrap(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(dataBox);
  layout->addWidget(deviceBox);
  layout->addWidget(searchBox);
  layout->addWidget(m_error);
  layout->addWidget(buttons);
}

void SettingsDialog::updateDeviceHints() {
  Result<DeviceProfile> d = findDevice(m_device->currentText().toStdString());
  if (!d) return;
  m_sram->setSpecialValueText(tr("device: %L1 B").arg(d.value().sramBytes));
  m_flash->setSpecialValueText(tr("device: %L1 B").arg(d.value().flashBytes));
}

ProjectData SettingsDialog::result() const {
  ProjectData d = m_data;
  SearchSettings& s = d.search;
  const QString kind = m_dataset->currentData().toString();
  s.dataset = kind == "fashion-mnist" ? kind.toStdString() : (kind + ":" + m_datasetDir->text().trimmed()).toStdString();
  d.device = m_device->currentText().toStdString();
  d.planner = m_planner->currentText().toStdString();
  s.sramBytes = m_sram->value();
  s.flashBytes = m_flash->value();
  s.macs = int64_t(m_macs->value() * 1e6 + 0.5);
  s.instructions = int64_t(m_latency->value() * 1e6 + 0.5);
  s.method = m_method->currentData().toString().toStdString();
  s.preset = m_preset->currentData().toString().toStdString();
  s.trainImages = m_trainImages->value();
  s.epochs = m_epochs->value();
  s.population = m_population->value();
  s.generations = m_generations->value();
  s.iterations = m_iterations->value();
  // A key left unset stays unset while the dialog shows the tool's default, so that an untouched
  // dialog gives the project back unchanged.
  const SearchSettings& was = m_data.search;
  std::vector<std::string> objectives = {"error"};
  if (m_optimiseSize->isChecked()) objectives.push_back("size");
  if (m_optimiseMemory->isChecked()) objectives.push_back("memory");
  if (!(was.objectives.empty() && objectives.size() == 3)) {
    std::vector<std::string> a = was.objectives, b = objectives;  // the project's order if the same set
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    s.objectives = a == b ? was.objectives : objectives;
  }
  auto measure = [](const QComboBox* box, const std::string& before, const char* fallback) {
    const std::string v = box->currentData().toString().toStdString();
    return before.empty() && v == fallback ? std::string() : v;
  };
  s.sizeObjective = measure(m_sizeMeasure, was.sizeObjective, "flash");
  s.memoryObjective = measure(m_memoryMeasure, was.memoryObjective, "sparse");
  return d;
}

QString SettingsDialog::check(const ProjectData& project) {
  const QString ds = QString::fromStdString(project.search.dataset);
  const int colon = int(ds.indexOf(':'));
  if (colon >= 0) {
    const QString dir = ds.mid(colon + 1);
    if (dir.isEmpty()) return tr("Choose the folder that holds the dataset's files.");
    if (!QDir(dir).exists()) return tr("The dataset folder %1 does not exist.").arg(dir);
  }
  return {};
}

void SettingsDialog::accept() {
  const QString error = check(result());
  if (!error.isEmpty()) {
    m_error->setText(error);
    return;
  }
  QDialog::accept();
}

}  // namespace tinyforge::studio
