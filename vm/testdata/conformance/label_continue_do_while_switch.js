let i = 0;
lbl: do {
  i++;
  for (let j = 0; j < 3; j++) {
    if (j === 1) continue lbl;
    console.log("i", i, "j", j);
  }
} while (i < 3);
out: for (let k = 0; k < 5; k++) {
  switch (k) {
    case 1: continue out;
    case 3: break out;
    default: {
      if (k === 2) { break; }
      console.log("k", k);
    }
  }
  console.log("after switch", k);
}
