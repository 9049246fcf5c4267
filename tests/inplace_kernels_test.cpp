// The in-place kernel variants give the same bytes as the reference kernels.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/kernels/tfk.h"

namespace {

std::vector<int8_t> randomBytes(std::mt19937* rng, size_t n) {
  std::vector<int8_t> v(n);
  for (auto& x : v) x = int8_t(int((*rng)() % 256) - 128);
  return v;
}

struct Quant {
  std::vector<int32_t> m, s;
  explicit Quant(std::mt19937* rng, int32_t channels) {
    for (int32_t c = 0; c < channels; ++c) {
      int32_t mult = 0, shift = 0;
      tfk_quantize_multiplier(0.001 + double((*rng)() % 1000) / 20000.0, &mult, &shift);
      m.push_back(mult);
      s.push_back(shift);
    }
  }
  tfk_channel_quant view() const { return {m.data(), s.data(), 1}; }
};

// The in-place depthwise kernel's bytes over a copy of the input, and the reference kernel's.
std::pair<std::vector<int8_t>, std::vector<int8_t>> depthwiseInPlaceAndReference(
    const tfk_conv_params& p, const Quant& q, const tfk_dims& in, const tfk_dims& f,
    const tfk_dims& out, const std::vector<int8_t>& input, const std::vector<int8_t>& filter,
    const std::vector<int32_t>& bias) {
  const tfk_channel_quant qv = q.view();
  std::vector<int8_t> expected(size_t(out.h * out.w * out.c));
  tfk_depthwise_conv2d_s8(&p, &qv, &in, input.data(), &f, filter.data(), bias.data(), &out,
                          expected.data());
  std::vector<int8_t> arena = input;
  std::vector<int8_t> scratch(
      size_t(tfk_depthwise_conv2d_inplace_get_buffer_size(&p, &in, &f, &out)));
  tfk_depthwise_conv2d_inplace_s8(&p, &qv, &in, &f, filter.data(), bias.data(), &out, arena.data(),
                                  scratch.data());
  arena.resize(expected.size());
  return {arena, expected};
}

TEST(KernelInPlace, DepthwiseMatchesReference) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 120; ++trial) {
    // Odd trials: channel counts the four-channel SIMD path takes whole, offsets of any zero point.
    const int32_t h = 3 + int32_t(rng() % 9), w = 3 + int32_t(rng() % 9),
                  c = trial % 2 ? 4 * (1 + int32_t(rng() % 4)) : 1 + int32_t(rng() % 6);
    const int32_t k = 1 + 2 * int32_t(rng() % 3), stride = 1 + int32_t(rng() % 2);
    const int32_t oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;  // SAME
    const int32_t padH = std::max((oh - 1) * stride + k - h, 0) / 2;
    const int32_t padW = std::max((ow - 1) * stride + k - w, 0) / 2;
    const int32_t inOffset = trial % 2 ? int32_t(rng() % 256) - 127 : int32_t(rng() % 20) - 10;
    tfk_conv_params p{inOffset, int32_t(rng() % 20) - 10, stride, stride, 1, 1,
                      padH, padW, trial % 4 == 3 ? 0 : -128, 127, 1};
    const tfk_dims in{1, h, w, c}, f{1, k, k, c}, out{1, oh, ow, c};
    const auto input = randomBytes(&rng, size_t(h * w * c));
    const auto filter = randomBytes(&rng, size_t(k * k * c));
    std::vector<int32_t> bias(static_cast<size_t>(c));
    for (auto& b : bias) b = int32_t(rng() % 2000) - 1000;
    const Quant q(&rng, c);
    const auto [arena, expected] =
        depthwiseInPlaceAndReference(p, q, in, f, out, input, filter, bias);
    ASSERT_EQ(arena, expected) << "trial " << trial << " h" << h << " w" << w << " c" << c << " k" << k
                               << " s" << stride;
  }
}

// The 3x3 plane path (at least 16 outputs per channel, the full int8 range): SAME and VALID
// padding, strides 1 and 2 on either axis, odd and even widths (the last output of a row alone),
// and scales whose shifts are -1 and above (the general requantization beside the short one).
TEST(KernelInPlace, Depthwise3x3PlanesMatchReference) {
  std::mt19937 rng(13);
  for (int trial = 0; trial < 200; ++trial) {
    const int32_t h = 4 + int32_t(rng() % 14), w = 4 + int32_t(rng() % 14),
                  c = 1 + int32_t(rng() % 9);
    const int32_t sh = 1 + int32_t(rng() % 2), sw = 1 + int32_t(rng() % 2);
    const bool valid = trial % 3 == 2;
    const int32_t oh = valid ? (h - 3) / sh + 1 : (h + sh - 1) / sh;
    const int32_t ow = valid ? (w - 3) / sw + 1 : (w + sw - 1) / sw;
    const int32_t padH = valid ? 0 : std::max((oh - 1) * sh + 3 - h, 0) / 2;
    const int32_t padW = valid ? 0 : std::max((ow - 1) * sw + 3 - w, 0) / 2;
    tfk_conv_params p{int32_t(rng() % 256) - 127,
                      int32_t(rng() % 256) - 128,
                      sh,
                      sw,
                      1,
                      1,
                      padH,
                      padW,
                      -128,
                      127,
                      1};
    const tfk_dims in{1, h, w, c}, f{1, 3, 3, c}, out{1, oh, ow, c};
    const auto input = randomBytes(&rng, size_t(h * w * c));
    const auto filter = randomBytes(&rng, size_t(9 * c));
    std::vector<int32_t> bias(static_cast<size_t>(c));
    for (auto& b : bias) b = int32_t(rng() % 20000) - 10000;
    Quant q(&rng, c);
    if (trial % 2) {  // scales from 1/8 to 4: shifts -2 .. 3
      for (int32_t k = 0; k < c; ++k)
        tfk_quantize_multiplier(0.125 + double(rng() % 1000) / 256.0, &q.m[size_t(k)],
                                &q.s[size_t(k)]);
    }
    const auto [arena, expected] =
        depthwiseInPlaceAndReference(p, q, in, f, out, input, filter, bias);
    ASSERT_EQ(arena, expected) << "trial " << trial << " h" << h << " w" << w << " c" << c << " s"
                               << sh << "x" << sw << (valid ? " valid" : " same");
  }
}

// The same planes with a separate output (patch-stage tiles): regions whose first input row is
// inside the image (no top padding) or whose last rows are not all read, any top and left
// padding, with guard bytes after the output and the scratch that must stay untouched.
TEST(KernelInPlace, Depthwise3x3PlanesToSeparateOutputMatchReference) {
  std::mt19937 rng(17);
  int ran = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int32_t h = 3 + int32_t(rng() % 12), w = 3 + int32_t(rng() % 20),
                  c = 1 + int32_t(rng() % 12);
    const int32_t sh = 1 + int32_t(rng() % 2), sw = 1 + int32_t(rng() % 2);
    const int32_t padT = int32_t(rng() % 2), padL = int32_t(rng() % 2);
    const int32_t maxOh = (h + padT - 3) / sh + 1,
                  maxOw = (w + padL - 3) / sw + 1 + int32_t(rng() % 2);
    if (maxOh < 1 || maxOw < 1) continue;
    const int32_t oh = 1 + int32_t(rng() % uint32_t(maxOh)), ow = maxOw;  // maybe fewer rows
    tfk_conv_params p{int32_t(rng() % 256) - 127,
                      int32_t(rng() % 256) - 128,
                      sh,
                      sw,
                      1,
                      1,
                      padT,
                      padL,
                      -128,
                      127,
                      1};
    const tfk_dims in{1, h, w, c}, f{1, 3, 3, c}, out{1, oh, ow, c};
    if (!tfk_depthwise_conv2d_inplace_uses_planes(&p, &f, &out)) continue;
    ++ran;
    const auto input = randomBytes(&rng, size_t(h * w * c));
    const auto filter = randomBytes(&rng, size_t(9 * c));
    std::vector<int32_t> bias(static_cast<size_t>(c));
    for (auto& b : bias) b = int32_t(rng() % 20000) - 10000;
    Quant q(&rng, c);
    if (trial % 2) {  // the general requantization too
      for (int32_t k = 0; k < c; ++k)
        tfk_quantize_multiplier(0.125 + double(rng() % 1000) / 256.0, &q.m[size_t(k)],
                                &q.s[size_t(k)]);
    }
    const tfk_channel_quant qv = q.view();
    const size_t n = size_t(oh * ow * c);
    std::vector<int8_t> expected(n);
    tfk_depthwise_conv2d_s8(&p, &qv, &in, input.data(), &f, filter.data(), bias.data(), &out,
                            expected.data());
    const size_t scratchBytes = size_t(tfk_depthwise_conv2d_3x3_planes_buffer_size(&p, &out));
    std::vector<int8_t> got(n + 16, 0x5a), scratch(scratchBytes + 16, 0x5a);
    tfk_depthwise_conv2d_3x3_planes_to_s8(&p, &qv, &in, input.data(), &f, filter.data(),
                                          bias.data(), &out, got.data(), scratch.data());
    const std::string what = "trial " + std::to_string(trial) + " h" + std::to_string(h) + " w" +
                             std::to_string(w) + " c" + std::to_string(c) + " out " +
                             std::to_string(oh) + "x" + std::to_string(ow);
    ASSERT_EQ(std::vector<int8_t>(got.begin(), got.begin() + long(n)), expected) << what;
    for (size_t i = n; i < got.size(); ++i) ASSERT_EQ(got[i], 0x5a) << what << ": past the output";
    for (size_t i = scratchBytes; i < scratch.size(); ++i)
      ASSERT_EQ(scratch[i], 0x5a) << what << ": past the scratch";
  }
  EXPECT_GE(ran, 100);
}

TEST(KernelInPlace, Pointwise1x1MatchesReference) {
  std::mt19937 rng(12);
  for (int trial = 0; trial < 60; ++trial) {
    const int32_t h = 1 + int32_t(rng() % 6), w = 1 + int32_t(rng() % 6);
    const int32_t cin = 1 + int32_t(rng() % 16), cout = 1 + int32_t(rng() % uint32_t(cin));
    tfk_conv_params p{int32_t(rng() % 20) - 10, int32_t(rng() % 20) - 10, 1, 1, 1, 1, 0, 0, -128, 127, 1};
    const tfk_dims in{1, h, w, cin}, f{cout, 1, 1, cin}, out{1, h, w, cout};
    const auto input = randomBytes(&rng, size_t(h * w * cin));
    const auto filter = randomBytes(&rng, size_t(cout * cin));
    std::vector<int32_t> bias(static_cast<size_t>(cout));
    for (auto& b : bias) b = int32_t(rng() % 2000) - 1000;
    const Quant q(&rng, cout);
    const tfk_channel_quant qv = q.view();
    std::vector<int8_t> expected(size_t(h * w * cout));
    tfk_conv2d_s8(&p, &qv, &in, input.data(), &f, filter.data(), bias.data(), &out, expected.data());
    std::vector<int8_t> arena = input;
    std::vector<int8_t> scratch(size_t(tfk_conv2d_1x1_inplace_get_buffer_size(&in)));
    tfk_conv2d_1x1_inplace_s8(&p, &qv, &in, &f, filter.data(), bias.data(), &out, arena.data(),
                              scratch.data());
    arena.resize(expected.size());
    ASSERT_EQ(arena, expected) << "trial " << trial;
  }
}

}  // namespace

namespace {

TEST(KernelInPlace, FastPointwiseMatchesReference) {
  std::mt19937 rng(13);
  for (int trial = 0; trial < 60; ++trial) {
    const int32_t h = 1 + int32_t(rng() % 5), w = 1 + int32_t(rng() % 5);
    const int32_t cin = 1 + int32_t(rng() % 24), cout = 1 + int32_t(rng() % uint32_t(cin));
    tfk_conv_params p{int32_t(rng() % 20) - 10, int32_t(rng() % 20) - 10, 1, 1, 1, 1, 0, 0, -128, 127, 1};
    const tfk_dims in{1, h, w, cin}, f{cout, 1, 1, cin}, out{1, h, w, cout};
    const auto input = randomBytes(&rng, size_t(h * w * cin));
    const auto filter = randomBytes(&rng, size_t(cout * cin));
    std::vector<int32_t> bias(static_cast<size_t>(cout)), folded(static_cast<size_t>(cout));
    for (auto& b : bias) b = int32_t(rng() % 2000) - 1000;
    const Quant q(&rng, cout);
    const tfk_channel_quant qv = q.view();
    std::vector<int8_t> expected(size_t(h * w * cout));
    tfk_conv2d_s8(&p, &qv, &in, input.data(), &f, filter.data(), bias.data(), &out, expected.data());
    tfk_fold_input_offset(p.input_offset, filter.data(), cout, cin, bias.data(), folded.data());
    std::vector<int8_t> arena = input;
    std::vector<int8_t> scratch(size_t(tfk_conv2d_1x1_inplace_get_buffer_size(&in)));
    tfk_conv2d_1x1_inplace_fast_s8(&p, &qv, &in, &f, filter.data(), folded.data(), &out, arena.data(),
                                   scratch.data());
    arena.resize(expected.size());
    ASSERT_EQ(arena, expected) << "trial " << trial;
  }
}

}  // namespace
