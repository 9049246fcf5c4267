/* Per-layer profiling hook used by model.c in the verification firmware. */
#ifndef TF_PROFILE_H_
#define TF_PROFILE_H_
void tf_profile_mark(int index);
#define TF_LAYER_BEGIN(index) tf_profile_mark(index)
#endif
