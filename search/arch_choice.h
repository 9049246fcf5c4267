// A point of the TinyNAS space as choices (per stage its depth, per block its kernel and expand
// ratio, with the width and resolution of the space's chosen pair): what the supernet runs and
// what the evolution mutates and crosses. choiceToSpec gives the network as an ArchSpec.
//
//   ArchChoice c = sampleChoice(space, 0.5, 24, &rng);
//   ArchSpec spec = choiceToSpec(space, c);
//   ArchChoice child = mutateChoice(space, crossoverChoice(a, b, &rng), 0.1, &rng);
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "search/search_space.h"

namespace tinyforge {

struct BlockChoice {
  int32_t kernel = 3, expand = 3;
  bool operator==(const BlockChoice&) const = default;
};

struct ArchChoice {
  double width = 1.0;
  int32_t resolution = 28;
  std::vector<int32_t> depths;                   // per stage
  std::vector<std::vector<BlockChoice>> blocks;  // per stage, max-depth slots (inactive kept)
  bool operator==(const ArchChoice&) const = default;
};

int32_t maxDepth(const SearchSpace& space);

ArchChoice sampleChoice(const SearchSpace& space, double width, int32_t resolution, std::mt19937_64* rng);
// Every choice at its largest (smallest): the sandwich rule's two ends.
ArchChoice largestChoice(const SearchSpace& space, double width, int32_t resolution);
ArchChoice smallestChoice(const SearchSpace& space, double width, int32_t resolution);

// The network: stem conv 3x3 (the space's stem stride), a first MBConv (expand 1, k3), the
// stages' active blocks, global pooling, a fully connected classifier.
ArchSpec choiceToSpec(const SearchSpace& space, const ArchChoice& choice);

// Each depth, kernel and expand is resampled with probability `probability`.
ArchChoice mutateChoice(const SearchSpace& space, const ArchChoice& parent, double probability,
                        std::mt19937_64* rng);
// Each gene from one of the two parents at random.
ArchChoice crossoverChoice(const ArchChoice& a, const ArchChoice& b, std::mt19937_64* rng);

// The active part only: two choices with the same key are the same network.
std::string choiceKey(const ArchChoice& choice);

nlohmann::json choiceToJson(const ArchChoice& choice);
// Errors name the field; the choice must fit `space` (depths, kernels, expands from its lists).
Result<ArchChoice> choiceFromJson(const SearchSpace& space, const nlohmann::json& json);

}  // namespace tinyforge
