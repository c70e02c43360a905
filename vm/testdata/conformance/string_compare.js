console.log("a" === "a", "a" === "b", "a" !== "b");
console.log("abc" === "ab" + "c");
console.log("a" < "b", "b" < "a", "a" < "ab", "B" < "a");
console.log("10" < "9", "abc" >= "abc", "z" > "y");
