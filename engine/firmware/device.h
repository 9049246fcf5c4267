// Device profiles (resources/devices/*.json, compiled in): memory budgets, compiler flags and
// the emulated board that runs each device's code.
//
//   Result<DeviceProfile> d = findDevice("stm32f746");
//   d.value().sramBytes;   // 327680
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/status.h"

namespace tinyforge {

struct DeviceProfile {
  std::string name, description, core;
  int64_t sramBytes = 0, flashBytes = 0;
  int32_t clockMhz = 0;
  std::vector<std::string> cflags;  // -mcpu=... -mthumb ...
  bool dsp = false;                 // Cortex-M4/M7 DSP instructions available
  std::string machine;              // QEMU board: mps2-an386, mps2-an500, mps2-an385
  std::string flashOrigin = "0x00000000", sramOrigin = "0x20000000";
};

std::vector<std::string> deviceNames();
// Unknown names give an error that lists the known devices.
Result<DeviceProfile> findDevice(const std::string& name);

}  // namespace tinyforge
