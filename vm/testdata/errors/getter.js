const o = {
  get price() { return 1; },
};
// ERROR "getters and setters are not supported" at 2:3
