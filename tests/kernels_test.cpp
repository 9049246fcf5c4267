// Kernel unit tests: fixed-point helpers and the kernels the golden models do not exercise.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <random>
#include <utility>
#include <cmath>
#include <vector>

#include "engine/kernels/tfk.h"
#include "engine/kernels/tfk_math.h"

namespace {

// Per-channel requantization parameters for scales base + k / div, k random in [0, 1000).
void randomMultipliers(std::mt19937* rng, size_t n, double base, double div, std::vector<int32_t>* m,
                       std::vector<int32_t>* s) {
  for (size_t c = 0; c < n; ++c) {
    int32_t mm = 0, ss = 0;
    tfk_quantize_multiplier(base + double((*rng)() % 1000) / div, &mm, &ss);
    m->push_back(mm);
    s->push_back(ss);
  }
}

// The output clamp of a trial: every third clamps below, every third above, the rest are the full
// int8 range (which the fast kernels specialise).
std::pair<int32_t, int32_t> trialClamp(std::mt19937* rng, int trial) {
  const int32_t lo = trial % 3 == 0 ? -128 + int32_t((*rng)() % 100) : -128;
  const int32_t hi = trial % 3 == 1 ? 127 - int32_t((*rng)() % 100) : 127;
  return {lo, hi};
}

}  // namespace

namespace {

TEST(KernelMath, SaturatingRoundingDoublingHighMul) {
  EXPECT_EQ(tfk_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
  EXPECT_EQ(tfk_srdhm(1 << 30, 1 << 30), 1 << 29);
  EXPECT_EQ(tfk_srdhm(3, 1 << 30), 2);    // 1.5 rounds away from zero
  // gemmlowp's nudge for negative products is 1 - 2^30: ties round toward zero there.
  EXPECT_EQ(tfk_srdhm(-3, 1 << 30), -1);  // -1.5 -> -1
  EXPECT_EQ(tfk_srdhm(-1, 1 << 30), 0);   // -0.5 -> 0
  EXPECT_EQ(tfk_srdhm(-5, 1 << 30), -2);  // -2.5 -> -2
  EXPECT_EQ(tfk_srdhm(1, 1 << 30), 1);    // 0.5 rounds away from zero
}

TEST(KernelMath, RoundingDivideByPowerOfTwo) {
  EXPECT_EQ(tfk_rdbp(5, 1), 3);    // 2.5 -> 3
  EXPECT_EQ(tfk_rdbp(-5, 1), -3);  // -2.5 -> -3
  EXPECT_EQ(tfk_rdbp(7, 2), 2);    // 1.75 -> 2
  EXPECT_EQ(tfk_rdbp(-6, 2), -2);  // -1.5 -> -2
  EXPECT_EQ(tfk_rdbp(-5, 2), -1);  // -1.25 -> -1
  EXPECT_EQ(tfk_rdbp(100, 0), 100);
}

TEST(KernelMath, QuantizeMultiplierAndItsInverse) {
  int32_t m = 0, s = 0;
  tfk_quantize_multiplier(0.0, &m, &s);
  EXPECT_EQ(m, 0);
  EXPECT_EQ(s, 0);
  tfk_quantize_multiplier(1.0, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  tfk_quantize_multiplier(0.75, &m, &s);
  EXPECT_EQ(m, 1610612736);
  EXPECT_EQ(s, 0);
  tfk_quantize_multiplier(1e-12, &m, &s);  // below 2^-31: TFLite flushes to zero
  EXPECT_EQ(m, 0);
  for (double real : {0.0003, 0.0172, 0.5, 0.99999, 1.7, 13.25}) {
    tfk_quantize_multiplier(real, &m, &s);
    EXPECT_GE(m, 1 << 30);
    EXPECT_NEAR(double(m) * std::ldexp(1.0, s - 31), real, real * 1e-9);
    EXPECT_EQ(tfk_mbqm(1000, m, s), int32_t(std::lround(1000 * real)));
  }
}

TEST(KernelPool, MaxPoolSkipsPaddingAndClamps) {
  // 3x3 input, 2x2 window, stride 2, SAME (pad bottom/right only).
  const std::vector<int8_t> in = {1, 9, 3, -4, 5, -6, 7, 8, -128};
  std::vector<int8_t> out(4);
  const tfk_pool_params p{2, 2, 2, 2, 0, 0, -128, 6};
  const tfk_dims id{1, 3, 3, 1}, od{1, 2, 2, 1};
  tfk_maxpool_s8(&p, &id, in.data(), &od, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{6, 3, 6, -128}));  // 9 and 8 clamped to 6
}

TEST(KernelPool, AveragePoolRoundsHalfAwayFromZeroOverInImageTaps) {
  const std::vector<int8_t> in = {1, 2, -3, -4};
  std::vector<int8_t> out(1);
  const tfk_pool_params p{2, 2, 2, 2, 0, 0, -128, 127};
  const tfk_dims id{1, 2, 2, 1}, od{1, 1, 1, 1};
  tfk_avgpool_s8(&p, &id, in.data(), &od, out.data());
  EXPECT_EQ(out[0], -1);  // -4 / 4 = -1
  const std::vector<int8_t> in2 = {1, 2, 3, 4, 5, 6};  // 3x2 window 2x2 stride 2, SAME
  std::vector<int8_t> out2(2);
  const tfk_pool_params p2{2, 2, 2, 2, 0, 0, -128, 127};
  const tfk_dims id2{1, 3, 2, 1}, od2{1, 2, 1, 1};
  tfk_avgpool_s8(&p2, &id2, in2.data(), &od2, out2.data());
  EXPECT_EQ(out2[0], 3);  // (1+2+3+4)/4 = 2.5 -> 3
  EXPECT_EQ(out2[1], 6);  // (5+6)/2 = 5.5 -> 6 (only 2 taps in the image)
}

// The fast average pool (16-bit lane sums) against the reference: borders, channel counts with
// and without a remainder of four, clamps, batches, all inputs -128 or 127 (the largest sums), and
// windows of 255 taps (the most its lanes hold) and 256 (the reference's path).
TEST(KernelPool, FastAveragePoolMatchesReference) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    const bool big = trial % 10 == 9;
    const int32_t fh = big ? 15 + int32_t(rng() % 2) : 1 + int32_t(rng() % 5);
    const int32_t fw = big ? 17 : 1 + int32_t(rng() % 5);
    const int32_t h = big ? fh : 1 + int32_t(rng() % 9), w = big ? fw : 1 + int32_t(rng() % 9);
    const int32_t c = 1 + int32_t(rng() % 11), n = 1 + int32_t(rng() % 2);
    const int32_t stride = 1 + int32_t(rng() % 3), oh = big ? 1 : 1 + int32_t(rng() % 4);
    const int32_t ow = big ? 1 : 1 + int32_t(rng() % 4);
    std::vector<int8_t> in(size_t(n * h * w * c));
    for (auto& v : in) v = trial % 5 == 0 ? int8_t(-128) : trial % 5 == 1 ? int8_t(127) : int8_t(rng());
    const auto [lo, hi] = trialClamp(&rng, trial);
    const tfk_pool_params p{stride, stride, fh, fw, big ? 0 : int32_t(rng() % 3), big ? 0 : int32_t(rng() % 3),
                            lo, hi};
    const tfk_dims id{n, h, w, c}, od{n, oh, ow, c};
    std::vector<int8_t> ref(size_t(n * oh * ow * c)), fast(ref.size(), 0x55);
    tfk_avgpool_s8(&p, &id, in.data(), &od, ref.data());
    tfk_avgpool_fast_s8(&p, &id, in.data(), &od, fast.data());
    ASSERT_EQ(fast, ref) << "trial " << trial << " window " << fh << "x" << fw;
  }
}

TEST(KernelData, ConcatTransposePadResize) {
  const int8_t a[] = {1, 2, 3, 4}, b[] = {5, 6};
  const int8_t* ins[] = {a, b};
  const int32_t inner[] = {2, 1};
  std::vector<int8_t> out(6);
  tfk_concat_s8(2, ins, inner, 2, out.data());  // [2,2] ++ [2,1] along the last axis
  EXPECT_EQ(out, (std::vector<int8_t>{1, 2, 5, 3, 4, 6}));

  const int32_t shape[] = {1, 2, 3, 1}, perm[] = {0, 2, 1, 3};
  const std::vector<int8_t> t = {1, 2, 3, 4, 5, 6};
  std::vector<int8_t> tt(6);
  tfk_transpose_s8(shape, t.data(), perm, tt.data());
  EXPECT_EQ(tt, (std::vector<int8_t>{1, 4, 2, 5, 3, 6}));

  const tfk_dims pd{1, 1, 2, 1};
  const int32_t before[] = {0, 1, 0, 0}, after[] = {0, 0, 1, 0};
  std::vector<int8_t> padded(6);
  tfk_pad_s8(&pd, a, before, after, -7, padded.data());
  EXPECT_EQ(padded, (std::vector<int8_t>{-7, -7, -7, 1, 2, -7}));

  const tfk_resize_params rp{0, 0};
  const tfk_dims rin{1, 1, 2, 1}, rout{1, 2, 4, 1};
  std::vector<int8_t> resized(8);
  tfk_resize_nearest_s8(&rp, &rin, a, &rout, resized.data());
  EXPECT_EQ(resized, (std::vector<int8_t>{1, 1, 2, 2, 1, 1, 2, 2}));
}

TEST(KernelQuantize, FloatRoundTripAndSaturation) {
  const std::vector<float> x = {0.0f, 0.25f, -0.25f, 0.125f, 100.0f, -100.0f, NAN};
  std::vector<int8_t> q(x.size());
  tfk_quantize_f32_s8(int32_t(x.size()), x.data(), 0.25f, -1, q.data());
  // 0.125 / 0.25 = 0.5 rounds away from zero to 1, plus zero point -1 = 0.
  EXPECT_EQ(q, (std::vector<int8_t>{-1, 0, -2, 0, 127, -128, -128}));
  std::vector<float> back(q.size());
  tfk_dequantize_s8_f32(int32_t(q.size()), q.data(), 0.25, -1, back.data());
  EXPECT_FLOAT_EQ(back[1], 0.25f);
  EXPECT_FLOAT_EQ(back[2], -0.25f);
}

TEST(KernelMul, BroadcastAndRequantize) {
  const int8_t a[] = {2, 4, -6}, b[] = {3};
  int8_t out[3];
  int32_t m = 0, s = 0;
  tfk_quantize_multiplier(0.5, &m, &s);
  const tfk_mul_params p{0, 0, 1, m, s, -128, 127};
  const tfk_dims ad{1, 1, 1, 3}, bd{1, 1, 1, 1}, od{1, 1, 1, 3};
  tfk_mul_broadcast_s8(&p, &ad, a, &bd, b, &od, out);
  EXPECT_EQ(out[0], 4);   // 6 * 0.5 + 1
  EXPECT_EQ(out[1], 7);   // 12 * 0.5 + 1
  EXPECT_EQ(out[2], -8);  // -18 * 0.5 + 1
}

}  // namespace

namespace {

TEST(KernelFast, PointwiseAndFullyConnectedMatchReference) {
  std::mt19937 rng(31);
  for (int trial = 0; trial < 80; ++trial) {
    // every tenth trial rows around TFK_PAIR_DEPTH_MAX (extended once per row pair up to it)
    // every third trial one row (a fully connected layer's single batch)
    const int32_t pixels = trial % 3 == 0 ? 1 : 1 + int32_t(rng() % 9),
                  cout = 1 + int32_t(rng() % 11);
    const int32_t cin =
        trial % 10 == 9 ? TFK_PAIR_DEPTH_MAX - 8 + int32_t(rng() % 17) : 1 + int32_t(rng() % 37);
    std::vector<int8_t> in(size_t(pixels * cin)), w(size_t(cout * cin)), ref(size_t(pixels * cout)), fast(ref.size());
    for (auto& v : in) v = int8_t(rng());
    for (auto& v : w) v = int8_t(rng());
    std::vector<int32_t> bias(static_cast<size_t>(cout)), folded(static_cast<size_t>(cout)), m, s;
    for (auto& b : bias) b = int32_t(rng() % 5000) - 2500;
    // every fourth trial (and every eighth per-tensor one) scales up to 1.05: shifts from -5 to
    // 1, the short right-shift form and the general one side by side
    if (trial % 4 == 3 || trial % 8 == 4) {
      randomMultipliers(&rng, static_cast<size_t>(cout), 0.05, 1000.0, &m, &s);
    } else {
      randomMultipliers(&rng, static_cast<size_t>(cout), 0.0005, 40000.0, &m, &s);
    }
    const tfk_channel_quant q{m.data(), s.data(), trial % 2};
    const int32_t inOff = int32_t(rng() % 256) - 128, outOff = int32_t(rng() % 256) - 128;
    const auto [lo, hi] = trialClamp(&rng, trial);
    const tfk_conv_params p{inOff, outOff, 1, 1, 1, 1, 0, 0, lo, hi, 1};
    const tfk_dims id{1, 1, pixels, cin}, fd{cout, 1, 1, cin}, od{1, 1, pixels, cout};
    tfk_conv2d_s8(&p, &q, &id, in.data(), &fd, w.data(), bias.data(), &od, ref.data());
    tfk_fold_input_offset(inOff, w.data(), cout, cin, bias.data(), folded.data());
    tfk_conv2d_1x1_fast_s8(&p, &q, &id, in.data(), &fd, w.data(), folded.data(), &od, fast.data());
    ASSERT_EQ(fast, ref) << "conv trial " << trial;
    // the full range on per-channel trials and on every other per-tensor one (with a single row
    // and a right shift of at least 2: the hoisted requantization of matmul_row_uniform)
    const bool fullFc = trial % 2 == 1 || trial % 4 == 0;
    const tfk_fc_params fp{inOff, outOff, fullFc ? -128 : -100, fullFc ? 127 : 100};
    tfk_fully_connected_s8(&fp, &q, pixels, cin, cout, in.data(), w.data(), bias.data(), ref.data());
    tfk_fully_connected_fast_s8(&fp, &q, pixels, cin, cout, in.data(), w.data(), folded.data(), fast.data());
    ASSERT_EQ(fast, ref) << "fc trial " << trial;
  }
}

// The four-row fully connected path (tfk_fully_connected_rows4_s8 over tfk_fc_rows4_layout's
// weights): depths of one to fifty eight-byte steps (one or several chunks of the input, an odd or
// even number of steps in the last), units from 4 to 300 (several batches of units, 0 to 3 rows
// left over), per-tensor and per-channel, clamped or not: the reference's bytes. (The kernel takes
// these; tfk_fc_uses_rows4 hands it only the larger layers.)
TEST(KernelFast, FourRowFullyConnectedMatchesReference) {
  std::mt19937 rng(91);
  for (int trial = 0; trial < 60; ++trial) {
    const int32_t depth = 8 * (1 + int32_t(rng() % 50));
    const int32_t units = trial % 5 == 0 ? 129 + int32_t(rng() % 172) : 4 + int32_t(rng() % 40);
    std::vector<int8_t> in(static_cast<size_t>(depth)), w(static_cast<size_t>(units * depth));
    for (auto& v : in) v = int8_t(rng());
    for (auto& v : w) v = int8_t(rng());
    std::vector<int8_t> relaid(w.size());
    tfk_fc_rows4_layout(w.data(), depth, units, relaid.data());
    std::vector<int32_t> bias(static_cast<size_t>(units)), folded(static_cast<size_t>(units)), m, s;
    for (auto& b : bias) b = int32_t(rng() % 5000) - 2500;
    // every fourth trial scales up to 1.05: shifts above -2 next to the short right shift
    if (trial % 4 == 3) {
      randomMultipliers(&rng, static_cast<size_t>(units), 0.05, 1000.0, &m, &s);
    } else {
      randomMultipliers(&rng, static_cast<size_t>(units), 0.0005, 40000.0, &m, &s);
    }
    const tfk_channel_quant q{m.data(), s.data(), trial % 2};
    const int32_t inOff = int32_t(rng() % 256) - 128, outOff = int32_t(rng() % 256) - 128;
    const auto [lo, hi] = trialClamp(&rng, trial);
    const tfk_fc_params p{inOff, outOff, lo, hi};
    std::vector<int8_t> ref(static_cast<size_t>(units)), fast(ref.size());
    tfk_fully_connected_s8(&p, &q, 1, depth, units, in.data(), w.data(), bias.data(), ref.data());
    tfk_fold_input_offset(inOff, w.data(), units, depth, bias.data(), folded.data());
    tfk_fully_connected_rows4_s8(&p, &q, depth, units, in.data(), relaid.data(), folded.data(),
                                 fast.data());
    ASSERT_EQ(fast, ref) << "trial " << trial << " depth " << depth << " units " << units;
  }
}

// A fully connected layer fused into a patch stage sees its input in slices: accumulating them
// (from the bias, or from the folded bias without the input offset) and requantizing once gives
// exactly the layer run on the whole input.
TEST(KernelFast, FullyConnectedSlicesMatchTheWholeLayer) {
  std::mt19937 rng(57);
  for (int trial = 0; trial < 60; ++trial) {
    const int32_t depth = 1 + int32_t(rng() % 300), units = 1 + int32_t(rng() % 11);
    std::vector<int8_t> in(static_cast<size_t>(depth)), w(static_cast<size_t>(units * depth));
    for (auto& v : in) v = int8_t(rng());
    for (auto& v : w) v = int8_t(rng());
    std::vector<int32_t> bias(static_cast<size_t>(units)), folded(static_cast<size_t>(units)), m, s;
    for (auto& b : bias) b = int32_t(rng() % 5000) - 2500;
    randomMultipliers(&rng, size_t(units), 0.0005, 40000.0, &m, &s);
    const tfk_channel_quant q{m.data(), s.data(), trial % 2};
    const int32_t inOff = int32_t(rng() % 256) - 128, outOff = int32_t(rng() % 256) - 128;
    const auto [lo, hi] = trialClamp(&rng, trial);
    const tfk_fc_params p{inOff, outOff, lo, hi};
    std::vector<int8_t> whole(static_cast<size_t>(units)), sliced(whole.size()),
        slicedFast(whole.size());
    tfk_fully_connected_s8(&p, &q, 1, depth, units, in.data(), w.data(), bias.data(), whole.data());
    tfk_fold_input_offset(inOff, w.data(), units, depth, bias.data(), folded.data());
    std::vector<int32_t> acc = bias, accFast = folded;
    for (int32_t first = 0; first < depth;) {  // slices of 1 to 40 elements, any alignment
      const int32_t n = std::min(depth - first, 1 + int32_t(rng() % 40));
      tfk_fc_accumulate_s8(&p, in.data() + first, n, w.data() + first, depth, units, acc.data());
      tfk_fc_accumulate_fast_s8(in.data() + first, n, w.data() + first, depth, units,
                                accFast.data());
      first += n;
    }
    ASSERT_EQ(accFast, acc) << "trial " << trial;  // bias + sum (x + off) w = folded + sum x w
    tfk_fc_requantize_s8(&p, &q, units, acc.data(), sliced.data());
    tfk_fc_requantize_s8(&p, &q, units, accFast.data(), slicedFast.data());
    ASSERT_EQ(sliced, whole) << "trial " << trial;
    ASSERT_EQ(slicedFast, whole) << "trial " << trial;
  }
}

}  // namespace

namespace {

TEST(KernelFast, SpatialConvolutionsMatchReference) {
  std::mt19937 rng(77);
  for (int trial = 0; trial < 150; ++trial) {
    const int32_t h = 1 + int32_t(rng() % 9), w = 1 + int32_t(rng() % 9), cin = 1 + int32_t(rng() % 10);
    const int32_t k = 1 + int32_t(rng() % 5), stride = 1 + int32_t(rng() % 2), dil = 1 + int32_t(rng() % 2);
    const int32_t padTop = int32_t(rng() % 3), padLeft = int32_t(rng() % 3);
    const int32_t oh = 1 + int32_t(rng() % 5), ow = 1 + int32_t(rng() % 5);
    const int32_t cout = trial % 2 ? cin : 1 + int32_t(rng() % 5);
    std::vector<int8_t> in(size_t(h * w * cin)), wc(size_t(cout * k * k * cin)), wd(size_t(k * k * cin));
    for (auto& v : in) v = int8_t(rng());
    for (auto& v : wc) v = int8_t(rng());
    for (auto& v : wd) v = int8_t(rng());
    std::vector<int32_t> bias(static_cast<size_t>(std::max(cin, cout))), m, s;
    for (auto& b : bias) b = int32_t(rng() % 3000) - 1500;
    randomMultipliers(&rng, static_cast<size_t>(bias.size()), 0.001, 30000.0, &m, &s);
    const tfk_channel_quant q{m.data(), s.data(), 1};
    const auto [lo, hi] = trialClamp(&rng, trial);
    const tfk_conv_params p{int32_t(rng() % 60) - 30, int32_t(rng() % 60) - 30, stride, stride, dil, dil,
                            padTop, padLeft, lo, hi, 1};
    const tfk_dims id{1, h, w, cin}, fc{cout, k, k, cin}, oc{1, oh, ow, cout}, fd{1, k, k, cin}, od{1, oh, ow, cin};
    std::vector<int8_t> ref(size_t(oh * ow * cout)), fast(ref.size());
    tfk_conv2d_s8(&p, &q, &id, in.data(), &fc, wc.data(), bias.data(), &oc, ref.data());
    tfk_conv2d_fast_s8(&p, &q, &id, in.data(), &fc, wc.data(), bias.data(), &oc, fast.data());
    ASSERT_EQ(fast, ref) << "conv trial " << trial;
    std::vector<int8_t> dref(size_t(oh * ow * cin)), dfast(dref.size());
    tfk_depthwise_conv2d_s8(&p, &q, &id, in.data(), &fd, wd.data(), bias.data(), &od, dref.data());
    tfk_depthwise_conv2d_fast_s8(&p, &q, &id, in.data(), &fd, wd.data(), bias.data(), &od, dfast.data());
    ASSERT_EQ(dfast, dref) << "depthwise trial " << trial;
  }
}

}  // namespace

namespace {

// The im2col path (tfk_conv2d_im2col_s8): patches of at most TFK_IM2COL_MAX taps, every border
// (padding up to four taps, strides up to three, dilation), the extreme input offsets -127 and
// 128, odd pixel and channel counts, two batches, per-tensor quantization, right shifts from -5 to
// +1, and a missing bias (which takes the other path).
TEST(KernelFast, Im2colConvolutionMatchesReference) {
  std::mt19937 rng(5);
  int im2col = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int32_t cin = 1 + int32_t(rng() % 8), kh = 1 + int32_t(rng() % 6),
                  kw = 1 + int32_t(rng() % 6);
    if (kh * kw * cin > TFK_IM2COL_MAX) continue;
    const int32_t n = 1 + int32_t(rng() % 2), h = 1 + int32_t(rng() % 12),
                  w = 1 + int32_t(rng() % 12);
    const int32_t stride = 1 + int32_t(rng() % 3), dil = 1 + int32_t(rng() % 2),
                  cout = 1 + int32_t(rng() % 9);
    const int32_t padTop = int32_t(rng() % 5), padLeft = int32_t(rng() % 5);
    const int32_t oh = 1 + int32_t(rng() % 7), ow = 1 + int32_t(rng() % 7);
    const int32_t inOff = trial % 4 == 0 ? -127 : trial % 4 == 1 ? 128 : int32_t(rng() % 256) - 127;
    std::vector<int8_t> in(size_t(n * h * w * cin)), f(size_t(cout * kh * kw * cin));
    for (auto& v : in) v = int8_t(rng());
    for (auto& v : f) v = int8_t(rng());
    std::vector<int32_t> bias(static_cast<size_t>(cout)), m, s;
    for (auto& b : bias) b = int32_t(rng() % 30000) - 15000;
    if (trial % 3 == 2) {
      randomMultipliers(&rng, bias.size(), 0.05, 1000.0, &m, &s);
    } else {
      randomMultipliers(&rng, bias.size(), 0.0005, 40000.0, &m, &s);
    }
    const tfk_channel_quant q{m.data(), s.data(), trial % 5 == 4 ? 0 : 1};
    const tfk_conv_params p{
        inOff, int32_t(rng() % 256) - 128, stride, stride, dil, dil, padTop, padLeft, -128, 127, 1};
    const tfk_dims id{n, h, w, cin}, fd{cout, kh, kw, cin}, od{n, oh, ow, cout};
    const int32_t* b = trial % 7 == 6 ? nullptr : bias.data();
    std::vector<int8_t> ref(size_t(n * oh * ow * cout)), fast(ref.size(), 0x55);
    tfk_conv2d_s8(&p, &q, &id, in.data(), &fd, f.data(), b, &od, ref.data());
    tfk_conv2d_fast_s8(&p, &q, &id, in.data(), &fd, f.data(), b, &od, fast.data());
    ASSERT_EQ(fast, ref) << "trial " << trial;
    im2col += b != nullptr;
  }
  EXPECT_GT(im2col, 100);
}

// The shift form of SRDHM equals gemmlowp's division form on many random and edge products.
TEST(KernelMath, ShiftFormEqualsGemmlowpDivision) {
  auto gemmlowp = [](int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    const int64_t ab = int64_t(a) * int64_t(b);
    const int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return int32_t((ab + nudge) / (int64_t(1) << 31));
  };
  std::mt19937 rng(3);
  const int32_t edges[] = {INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX, 1 << 30, -(1 << 30), 3, -3};
  for (int32_t a : edges) {
    for (int32_t b : edges) ASSERT_EQ(tfk_srdhm(a, b), gemmlowp(a, b)) << a << " " << b;
  }
  for (int i = 0; i < 2000000; ++i) {
    const auto a = int32_t(rng()), b = int32_t(rng());
    ASSERT_EQ(tfk_srdhm(a, b), gemmlowp(a, b)) << a << " " << b;
    const int32_t small = int32_t(rng() % 20001) - 10000;
    ASSERT_EQ(tfk_srdhm(small, b), gemmlowp(small, b)) << small << " " << b;
  }
}

}  // namespace

namespace {

TEST(KernelFast, SimdConvolutionMatchesReference) {
  std::mt19937 rng(91);
  int lanes = 0;
  std::array<int, 5> paths{};  // per TFK_CONV_* path
  for (int trial = 0; trial < 210; ++trial) {
    // every third trial whole-word kernel rows (Cin a multiple of four): patches as lanes, border
    // pixels included; every seventh a 3x3 filter of 288, 576 (TFK_CONV_LANES_MAX) or 648 taps
    const bool big = trial % 7 == 6;
    const int32_t h = 1 + int32_t(rng() % 10), w = 1 + int32_t(rng() % 10);
    const int32_t cin = big              ? std::array{32, 64, 72}[rng() % 3]
                        : trial % 3 == 0 ? 12 + 4 * int32_t(rng() % 2)
                                         : 1 + int32_t(rng() % 19);
    const int32_t kh = big ? 3 : 1 + int32_t(rng() % 4), kw = big ? 3 : 1 + int32_t(rng() % 4);
    const int32_t stride = 1 + int32_t(rng() % 2);
    const int32_t dil = big ? 1 : 1 + int32_t(rng() % 2), cout = 1 + int32_t(rng() % 7);
    const int32_t padTop = int32_t(rng() % 3), padLeft = int32_t(rng() % 3);
    const int32_t oh = 1 + int32_t(rng() % 6), ow = 1 + int32_t(rng() % 7);
    std::vector<int8_t> in(size_t(h * w * cin)), f(size_t(cout * kh * kw * cin));
    for (auto& v : in) v = int8_t(rng());
    for (auto& v : f) v = int8_t(rng());
    std::vector<int32_t> bias(static_cast<size_t>(cout)), folded(static_cast<size_t>(cout)), m, s;
    for (auto& b : bias) b = int32_t(rng() % 3000) - 1500;
    if (trial % 4 == 3) {  // shifts from -5 to 1 (see PointwiseAndFullyConnectedMatchReference)
      randomMultipliers(&rng, static_cast<size_t>(cout), 0.05, 1000.0, &m, &s);
    } else {
      randomMultipliers(&rng, static_cast<size_t>(cout), 0.0005, 40000.0, &m, &s);
    }
    const tfk_channel_quant q{m.data(), s.data(), trial % 5 == 4 ? 0 : 1};
    const auto [lo, hi] = trialClamp(&rng, trial);
    // every other trial any input zero point (the padding byte is -input_offset: -128 has none)
    const int32_t inOffset = trial % 2 ? int32_t(rng() % 257) - 128 : int32_t(rng() % 60) - 30;
    const tfk_conv_params p{
        inOffset, int32_t(rng() % 60) - 30, stride, stride, dil, dil, padTop, padLeft, lo, hi, 1};
    const tfk_dims id{1, h, w, cin}, fd{cout, kh, kw, cin}, od{1, oh, ow, cout};
    lanes += tfk_conv2d_simd_uses_lanes(&p, &id, &fd);
    std::vector<int8_t> ref(size_t(oh * ow * cout)), simd(ref.size());
    tfk_conv2d_s8(&p, &q, &id, in.data(), &fd, f.data(), bias.data(), &od, ref.data());
    tfk_fold_input_offset(p.input_offset, f.data(), cout, kh * kw * cin, bias.data(), folded.data());
    tfk_conv2d_simd_s8(&p, &q, &id, in.data(), &fd, f.data(), bias.data(), folded.data(), &od, simd.data());
    ASSERT_EQ(simd, ref) << "trial " << trial;
    // the path tfk_conv2d_fast_path names, called on its own (as the generated code calls it)
    std::vector<int8_t> direct(ref.size());
    const int path = tfk_conv2d_fast_path(&p, &id, &fd, 1, 1);
    ++paths[size_t(path)];
    if (path == TFK_CONV_LANES) {
      tfk_conv2d_lanes_s8(&p, &q, &id, in.data(), &fd, f.data(), folded.data(), &od, direct.data());
    } else if (path == TFK_CONV_PAIRS) {
      tfk_conv2d_pairs_s8(&p, &q, &id, in.data(), &fd, f.data(), bias.data(), folded.data(), &od,
                          direct.data());
    } else if (path == TFK_CONV_TAPS) {
      tfk_conv2d_taps_s8(&p, &q, &id, in.data(), &fd, f.data(), bias.data(), &od, direct.data());
    } else if (path == TFK_CONV_IM2COL) {
      tfk_conv2d_im2col_s8(&p, &q, &id, in.data(), &fd, f.data(), kh * kw * cin, bias.data(), &od,
                           direct.data());
    } else {
      tfk_conv2d_s8(&p, &q, &id, in.data(), &fd, f.data(), bias.data(), &od, direct.data());
    }
    ASSERT_EQ(direct, ref) << "trial " << trial << ", path " << path;
  }
  EXPECT_GE(lanes, 20);  // the lanes path was taken, not only the per-row one
  // every path but the reference (an int8 input offset never needs it) was taken
  for (int path : {TFK_CONV_IM2COL, TFK_CONV_TAPS, TFK_CONV_LANES, TFK_CONV_PAIRS})
    EXPECT_GT(paths[size_t(path)], 0) << "path " << path;
}

}  // namespace

namespace {

// The 3x3 depthwise kernel unrolls its in-image taps (interior, top/bottom rows, left/right
// columns, corners) for the full int8 range: every border shape, channel counts with and
// without a remainder of four, both strides, per-channel and per-tensor quantization.
TEST(KernelFast, Depthwise3x3BordersMatchReference) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 300; ++trial) {
    const int32_t h = 1 + int32_t(rng() % 8), w = 1 + int32_t(rng() % 8), c = 1 + int32_t(rng() % 16);
    const int32_t stride = 1 + int32_t(rng() % 2), pad = int32_t(rng() % 2);
    const int32_t oh = (h + 2 * pad - 3) / stride + 1, ow = (w + 2 * pad - 3) / stride + 1;
    if (oh < 1 || ow < 1) continue;
    std::vector<int8_t> in(size_t(h * w * c)), f(size_t(9 * c)), ref(size_t(oh * ow * c)), fast(ref.size());
    for (auto& v : in) v = int8_t(rng());
    for (auto& v : f) v = int8_t(rng());
    std::vector<int32_t> bias(static_cast<size_t>(c)), m, s;
    for (auto& b : bias) b = int32_t(rng() % 3000) - 1500;
    randomMultipliers(&rng, static_cast<size_t>(c), 0.001, 30000.0, &m, &s);
    const tfk_channel_quant q{m.data(), s.data(), trial % 5 == 4 ? 0 : 1};
    const int32_t lo = trial % 4 == 0 ? -128 + int32_t(rng() % 100) : -128;
    const tfk_conv_params p{int32_t(rng() % 256) - 128, int32_t(rng() % 256) - 128, stride, stride, 1, 1,
                            pad, pad, lo, 127, 1};
    const tfk_dims id{1, h, w, c}, fd{1, 3, 3, c}, od{1, oh, ow, c};
    tfk_depthwise_conv2d_s8(&p, &q, &id, in.data(), &fd, f.data(), bias.data(), &od, ref.data());
    tfk_depthwise_conv2d_fast_s8(&p, &q, &id, in.data(), &fd, f.data(), bias.data(), &od, fast.data());
    ASSERT_EQ(fast, ref) << "trial " << trial << ": " << h << "x" << w << "x" << c << " stride " << stride;
  }
}

}  // namespace

namespace {

// The fast ADD equals the reference on TFLite-style parameters (rescales to twice the larger
// input scale, left shift 20), with and without a clamp, and falls back for a left shift. Odd
// trials have at least TFK_ADD_TABLE_MIN (512) elements: the rescale tables; every tenth trial
// from 5 an output shift of -1 (the tables' general requantization).
TEST(KernelFast, AddMatchesReference) {
  std::mt19937 rng(17);
  for (int trial = 0; trial < 200; ++trial) {
    const double s1 = 0.005 + double(rng() % 1000) / 4000.0, s2 = 0.005 + double(rng() % 1000) / 4000.0;
    const double so = trial == 0 ? 1e-7 : 0.005 + double(rng() % 1000) / 2000.0;  // trial 0: output shift > 0
    const double twice = 2 * std::max(s1, s2);
    const double outScale = trial % 10 == 5 ? twice / (double(1 << 20) * 0.3) : so;
    tfk_add_params p{};
    p.input1_offset = int32_t(rng() % 256) - 128;
    p.input2_offset = int32_t(rng() % 256) - 128;
    p.left_shift = 20;
    tfk_quantize_multiplier(s1 / twice, &p.input1_multiplier, &p.input1_shift);
    tfk_quantize_multiplier(s2 / twice, &p.input2_multiplier, &p.input2_shift);
    tfk_quantize_multiplier(twice / (double(1 << 20) * outScale), &p.output_multiplier,
                            &p.output_shift);
    if (trial % 10 == 5) {
      EXPECT_EQ(p.output_shift, -1) << "trial " << trial;
    }
    p.output_offset = int32_t(rng() % 256) - 128;
    p.act_min = trial % 3 == 0 ? int32_t(rng() % 100) - 128 : -128;
    p.act_max = trial % 3 == 1 ? 127 - int32_t(rng() % 100) : 127;
    const int32_t size = trial % 2 ? 512 + int32_t(rng() % 700) : 1 + int32_t(rng() % 300);
    const auto n = static_cast<size_t>(size);
    std::vector<int8_t> a(n), b(n), ref(n), fast(n);
    for (auto& v : a) v = int8_t(rng());
    for (auto& v : b) v = int8_t(rng());
    tfk_add_s8(&p, size, a.data(), b.data(), ref.data());
    tfk_add_fast_s8(&p, size, a.data(), b.data(), fast.data());
    ASSERT_EQ(fast, ref) << "trial " << trial;
  }
}

}  // namespace

namespace {

// The per-channel form of the requantization that the depthwise plane kernel uses for right
// shifts of 2 and more equals the general one, at the edges of the accumulator range too.
TEST(KernelMath, RightShiftFormEqualsRequantOut) {
  std::mt19937 rng(5);
  const int32_t edges[] = {
      INT32_MIN, INT32_MIN + 1, -(1 << 30), -65537,        -3,       -2, -1, 0, 1, 2,
      3,         65535,         1 << 30,    INT32_MAX - 1, INT32_MAX};
  for (int i = 0; i < 400000; ++i) {
    const int32_t shift = -2 - int32_t(rng() % 30);
    const int32_t m = i % 97 == 0 ? 0 : int32_t((1u << 30) + (rng() % (1u << 30)));
    const int32_t offset = int32_t(rng() % 256) - 128;
    const int32_t x = i % 3 == 0   ? edges[rng() % std::size(edges)]
                      : i % 3 == 1 ? int32_t(rng())
                                   : int32_t(rng() % 2000001) - 1000000;
    ASSERT_EQ(tfk_requant_rshift(x, m, -shift - 2, 2 * offset + 1),
              tfk_requant_out_r(x, m, shift, offset, -128, 127, 1))
        << "x " << x << " m " << m << " shift " << shift << " offset " << offset;
  }
}

}  // namespace

namespace {

// A patch stage's tile copies: strided runs of any length and alignment, whole rows as one run;
// the bytes around the destination runs stay untouched.
TEST(Kernel, CopyRowsCopiesStridedRuns) {
  std::mt19937 rng(23);
  for (int trial = 0; trial < 200; ++trial) {
    const int32_t bytes = 1 + int32_t(rng() % 40), rows = 1 + int32_t(rng() % 6);
    const bool whole = trial % 4 == 0;
    const int32_t srcStride = whole ? bytes : bytes + int32_t(rng() % 9);
    const int32_t dstStride = whole ? bytes : bytes + int32_t(rng() % 9);
    const int32_t srcAt = int32_t(rng() % 4), dstAt = int32_t(rng() % 4);
    std::vector<int8_t> src(size_t(srcAt + rows * srcStride)),
        dst(size_t(dstAt + rows * dstStride + 3));
    for (auto& v : src) v = int8_t(rng());
    for (auto& v : dst) v = int8_t(rng());
    std::vector<int8_t> expected = dst;
    for (int32_t r = 0; r < rows; ++r) {
      for (int32_t b = 0; b < bytes; ++b)
        expected[size_t(dstAt + r * dstStride + b)] = src[size_t(srcAt + r * srcStride + b)];
    }
    tfk_copy_rows(dst.data() + dstAt, dstStride, src.data() + srcAt, srcStride, rows, bytes);
    ASSERT_EQ(dst, expected) << "trial " << trial;
  }
}

}  // namespace
