console.log(`${true} ${false}`);
console.log(`${null} ${undefined}`);
console.log(`${"str"}`);
