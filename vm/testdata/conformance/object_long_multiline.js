const o = {
  alpha: "aaaaaaaaaaaa", beta: "bbbbbbbbbbbb", gamma: "cccccccccccc",
  delta: "dddddddddddd", epsilon: "eeeeeeeeeeee", zeta: "ffffffffffff",
};
console.log(o);
