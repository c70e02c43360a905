const o = { a: 1 };
for (const k in o) {}
// ERROR "for-in loops are not supported" at 2:14
