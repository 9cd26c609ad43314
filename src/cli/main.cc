#include <cstdio>
int main() { std::puts("mconv: under construction"); return 0; }
