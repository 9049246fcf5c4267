#include "engine/validate.h"

namespace tinyforge {

Status validateGraph(const Graph&) { return Status::ok(); }  // filled in next

}  // namespace tinyforge
