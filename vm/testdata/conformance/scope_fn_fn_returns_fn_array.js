function mk() { return [() => 1, () => 2]; }
console.log(mk()[1](), mk().length);
