let x = 1;
lbl: if (x) { console.log("in"); break lbl; }
lbl2: { console.log("blk"); }
