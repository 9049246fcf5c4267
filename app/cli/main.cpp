#include <cstdio>

int main() {
  std::puts("tinyforge-cli");
  return 0;
}
