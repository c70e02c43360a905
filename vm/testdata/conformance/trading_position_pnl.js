const pos = { qty: 0, avg: 0, realized: 0 };
function fill(side, qty, px) {
  const signed = side === "buy" ? qty : -qty;
  if (pos.qty === 0 || Math.sign(pos.qty) === Math.sign(signed)) {
    pos.avg = (pos.avg * Math.abs(pos.qty) + px * qty) / (Math.abs(pos.qty) + qty);
    pos.qty += signed;
  } else {
    const closing = Math.min(qty, Math.abs(pos.qty));
    pos.realized += closing * (px - pos.avg) * Math.sign(pos.qty);
    pos.qty += signed;
    if (pos.qty === 0) pos.avg = 0;
  }
}
fill("buy", 2, 100);
fill("buy", 2, 102);
fill("sell", 3, 105);
console.log(pos);
fill("sell", 1, 99);
console.log(pos);
