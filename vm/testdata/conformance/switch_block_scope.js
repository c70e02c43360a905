function f(n) {
  switch (n) {
    case 1: {
      const msg = "first";
      return msg;
    }
    case 2: {
      const msg = "second";
      return msg;
    }
  }
  return "none";
}
console.log(f(1), f(2), f(3));
