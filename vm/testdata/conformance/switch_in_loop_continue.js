let out = "";
for (let i = 0; i < 6; i++) {
  switch (i % 3) {
    case 0:
      continue;
    case 1:
      out += "a";
      break;
    default:
      out += "b";
  }
  out += i;
}
console.log(out);
