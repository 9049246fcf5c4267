/* RESIZE_NEAREST_NEIGHBOR int8 (TFLite reference semantics). */
#include <math.h>
#include <string.h>

#include "tfk.h"

static int32_t nearest(int32_t x, float scale, int32_t in_size, int32_t align_corners,
                       int32_t half_pixel_centers) {
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  int32_t v = align_corners ? (int32_t)roundf(((float)x + offset) * scale)
                            : (int32_t)floorf(((float)x + offset) * scale);
  if (v > in_size - 1) v = in_size - 1;
  if (half_pixel_centers && v < 0) v = 0;
  return v;
}

void tfk_resize_nearest_s8(const tfk_resize_params* p, const tfk_dims* in_dims, const int8_t* in,
                           const tfk_dims* out_dims, int8_t* out) {
  const float sh = (p->align_corners && out_dims->h > 1)
                       ? (float)(in_dims->h - 1) / (float)(out_dims->h - 1)
                       : (float)in_dims->h / (float)out_dims->h;
  const float sw = (p->align_corners && out_dims->w > 1)
                       ? (float)(in_dims->w - 1) / (float)(out_dims->w - 1)
                       : (float)in_dims->w / (float)out_dims->w;
  const int32_t c = in_dims->c;
  for (int32_t b = 0; b < out_dims->n; ++b)
    for (int32_t y = 0; y < out_dims->h; ++y) {
      const int32_t iy = nearest(y, sh, in_dims->h, p->align_corners, p->half_pixel_centers);
      for (int32_t x = 0; x < out_dims->w; ++x) {
        const int32_t ix = nearest(x, sw, in_dims->w, p->align_corners, p->half_pixel_centers);
        memcpy(out + (((int64_t)b * out_dims->h + y) * out_dims->w + x) * c,
               in + (((int64_t)b * in_dims->h + iy) * in_dims->w + ix) * c, (size_t)c);
      }
    }
}
