function spin() {
  while (true) {}
}
spin();
// RUNTIME "instruction budget exceeded" at 2:3
// STACK spin <main>
