function side(s) {
  switch (s) {
    case "buy":
      return 1;
    case "sell":
      return -1;
  }
  return 0;
}
console.log(side("buy"), side("sell"), side("hold"));
