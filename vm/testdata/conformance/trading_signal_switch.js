function action(sig) {
  switch (sig) {
    case 1: return "BUY";
    case -1: return "SELL";
    case 0: return "HOLD";
    default: return "?";
  }
}
const sigs = [1, 0, -1, 0, 1, 2];
let out = "";
for (const s of sigs) out += action(s) + " ";
console.log(out);
