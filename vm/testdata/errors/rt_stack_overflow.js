function down(n) {
  return down(n + 1) + 1;
}
down(0);
// RUNTIME "maximum call depth" at 2:14
// STACK down down down down down down down down down down down down down down down down down down down down ... 160 more frames ... down down down down down down down down down down down down down down down down down down down <main>
