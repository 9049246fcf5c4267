// What the fuzz target made of its last input, for the standalone driver's statistics.
#pragma once

enum class FuzzOutcome { kImported, kRejectedFile, kRejectedContent };

// kRejectedFile: the container checks (size, identifier, flatbuffer verifier) refused the bytes;
// kRejectedContent: a verified flatbuffer whose model the importer or validateGraph refused.
FuzzOutcome lastFuzzOutcome();
