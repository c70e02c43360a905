function pick(n) {
  let f = null;
  switch (n) {
    case 1: {
      const k = 10;
      f = () => k + n;
      break;
    }
    default: {
      const k = 20;
      f = () => k * n;
    }
  }
  return f();
}
console.log(pick(1), pick(3));
