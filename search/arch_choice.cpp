#include "search/arch_choice.h"

#include <algorithm>

namespace tinyforge {

namespace {

int32_t pick(const std::vector<int32_t>& v, std::mt19937_64* rng) { return v[size_t((*rng)() % v.size())]; }

bool coin(double probability, std::mt19937_64* rng) {
  return std::uniform_real_distribution<double>(0.0, 1.0)(*rng) < probability;
}

ArchChoice uniformChoice(const SearchSpace& space, double width, int32_t resolution, bool largest) {
  ArchChoice c;
  c.width = width;
  c.resolution = resolution;
  auto end = [largest](const std::vector<int32_t>& v) {
    return largest ? *std::max_element(v.begin(), v.end()) : *std::min_element(v.begin(), v.end());
  };
  for (size_t s = 0; s < space.stages.size(); ++s) {
    c.depths.push_back(end(space.depths));
    c.blocks.emplace_back(size_t(maxDepth(space)), BlockChoice{end(space.kernels), end(space.expands)});
  }
  return c;
}

bool contains(const std::vector<int32_t>& v, int32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

int32_t maxDepth(const SearchSpace& space) { return *std::max_element(space.depths.begin(), space.depths.end()); }

ArchChoice sampleChoice(const SearchSpace& space, double width, int32_t resolution, std::mt19937_64* rng) {
  ArchChoice c;
  c.width = width;
  c.resolution = resolution;
  for (size_t s = 0; s < space.stages.size(); ++s) {
    c.depths.push_back(pick(space.depths, rng));
    std::vector<BlockChoice> blocks;
    for (int32_t d = 0; d < maxDepth(space); ++d) blocks.push_back({pick(space.kernels, rng), pick(space.expands, rng)});
    c.blocks.push_back(std::move(blocks));
  }
  return c;
}

ArchChoice largestChoice(const SearchSpace& space, double width, int32_t resolution) {
  return uniformChoice(space, width, resolution, true);
}

ArchChoice smallestChoice(const SearchSpace& space, double width, int32_t resolution) {
  return uniformChoice(space, width, resolution, false);
}

ArchSpec choiceToSpec(const SearchSpace& space, const ArchChoice& c) {
  ArchSpec a;
  a.name = "tinynas_" + choiceKey(c);
  a.inputH = a.inputW = c.resolution;
  a.inputC = space.inputC;
  a.classes = space.classes;
  LayerSpec stem;
  stem.type = LayerType::kConv;
  stem.out = makeDivisible(space.stemChannels * c.width);
  stem.stride = space.stemStride;
  a.layers.push_back(stem);
  LayerSpec first;
  first.type = LayerType::kMbConv;
  first.out = makeDivisible(space.firstBlockChannels * c.width);
  a.layers.push_back(first);
  for (size_t s = 0; s < space.stages.size(); ++s) {
    for (int32_t d = 0; d < c.depths[s]; ++d) {
      LayerSpec b;
      b.type = LayerType::kMbConv;
      b.out = makeDivisible(space.stages[s].channels * c.width);
      b.kernel = c.blocks[s][size_t(d)].kernel;
      b.expand = c.blocks[s][size_t(d)].expand;
      b.stride = d == 0 ? space.stages[s].stride : 1;
      a.layers.push_back(b);
    }
  }
  LayerSpec pool;
  pool.type = LayerType::kGlobalPool;
  a.layers.push_back(pool);
  LayerSpec fc;
  fc.type = LayerType::kFullyConnected;
  fc.out = space.classes;
  fc.activation = Activation::kNone;
  a.layers.push_back(fc);
  return a;
}

ArchChoice mutateChoice(const SearchSpace& space, const ArchChoice& parent, double probability,
                        std::mt19937_64* rng) {
  ArchChoice c = parent;
  for (size_t s = 0; s < c.depths.size(); ++s) {
    if (coin(probability, rng)) c.depths[s] = pick(space.depths, rng);
    for (BlockChoice& b : c.blocks[s]) {
      if (coin(probability, rng)) b.kernel = pick(space.kernels, rng);
      if (coin(probability, rng)) b.expand = pick(space.expands, rng);
    }
  }
  return c;
}

ArchChoice crossoverChoice(const ArchChoice& a, const ArchChoice& b, std::mt19937_64* rng) {
  ArchChoice c = a;
  for (size_t s = 0; s < c.depths.size(); ++s) {
    if (coin(0.5, rng)) c.depths[s] = b.depths[s];
    for (size_t d = 0; d < c.blocks[s].size(); ++d) {
      if (coin(0.5, rng)) c.blocks[s][d].kernel = b.blocks[s][d].kernel;
      if (coin(0.5, rng)) c.blocks[s][d].expand = b.blocks[s][d].expand;
    }
  }
  return c;
}

std::string choiceKey(const ArchChoice& c) {
  std::string key = "w" + std::to_string(int(c.width * 100 + 0.5)) + "r" + std::to_string(c.resolution);
  for (size_t s = 0; s < c.depths.size(); ++s) {
    key += "_";
    for (int32_t d = 0; d < c.depths[s]; ++d) {
      key += "k" + std::to_string(c.blocks[s][size_t(d)].kernel) + "e" + std::to_string(c.blocks[s][size_t(d)].expand);
    }
  }
  return key;
}

nlohmann::json choiceToJson(const ArchChoice& c) {
  nlohmann::json stages = nlohmann::json::array();
  for (size_t s = 0; s < c.depths.size(); ++s) {
    nlohmann::json blocks = nlohmann::json::array();
    for (const BlockChoice& b : c.blocks[s]) blocks.push_back({b.kernel, b.expand});
    stages.push_back({{"depth", c.depths[s]}, {"blocks", blocks}});
  }
  return {{"width", c.width}, {"resolution", c.resolution}, {"stages", stages}};
}

Result<ArchChoice> choiceFromJson(const SearchSpace& space, const nlohmann::json& j) {
  ArchChoice c;
  try {
    c.width = j.at("width").get<double>();
    c.resolution = j.at("resolution").get<int32_t>();
    const nlohmann::json& stages = j.at("stages");
    if (stages.size() != space.stages.size()) {
      return Status::error("choice: " + std::to_string(stages.size()) + " stages, the space has " +
                           std::to_string(space.stages.size()));
    }
    for (size_t s = 0; s < stages.size(); ++s) {
      const int32_t depth = stages[s].at("depth").get<int32_t>();
      if (!contains(space.depths, depth)) return Status::error("choice: stage " + std::to_string(s) + " depth " + std::to_string(depth) + " is not in the space");
      std::vector<BlockChoice> blocks;
      for (const nlohmann::json& b : stages[s].at("blocks")) {
        const BlockChoice bc{b.at(0).get<int32_t>(), b.at(1).get<int32_t>()};
        if (!contains(space.kernels, bc.kernel) || !contains(space.expands, bc.expand)) {
          return Status::error("choice: stage " + std::to_string(s) + " has kernel " + std::to_string(bc.kernel) +
                               " / expand " + std::to_string(bc.expand) + " outside the space");
        }
        blocks.push_back(bc);
      }
      if (blocks.size() != size_t(maxDepth(space))) return Status::error("choice: stage " + std::to_string(s) + " needs " + std::to_string(maxDepth(space)) + " block slots");
      c.depths.push_back(depth);
      c.blocks.push_back(std::move(blocks));
    }
  } catch (const std::exception& e) {
    return Status::error(std::string("choice: ") + e.what());
  }
  return c;
}

}  // namespace tinyforge
