let a = 1;
if (a == 1) {
  console.log(a);
}
// ERROR "== is not supported" at 2:7
