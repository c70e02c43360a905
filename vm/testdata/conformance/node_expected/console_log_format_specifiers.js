// printf-style directives in console.log's first argument, as Node formats them
// (the goja reference does not implement them; the expected output was produced by node).
console.log("%d", 1.5, "%i", 2.7);
console.log("qty %d px %s", 3, 101.25);
console.log("%s|%s", "a");
console.log("%o %O %j", 1, 2, 3);
console.log("%c styled", "color: red");
console.log("100%% sure %d", 5);
console.log("%d", -0);
console.log("%s", -0, [-0]);
console.log("%i", -7.9, "%i");
console.log("%f", 2.5);
console.log("a", "%d", 5);
console.log("%s and %s", [1, 2], { k: "v" });
console.log("%d%%", 50);
console.log("%x %d", 1);
console.log("trailing %");
