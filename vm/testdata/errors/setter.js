const o = {
  set price(v) {},
};
// ERROR "getters and setters are not supported" at 2:3
