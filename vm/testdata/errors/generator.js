function* gen() {}
// ERROR "generator functions are not supported" at 1:9
