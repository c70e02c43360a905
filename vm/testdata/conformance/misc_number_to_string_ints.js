const xs = [2 ** 52, 2 ** 53 - 1, 2 ** 60, 2 ** 63, 2 ** 66, 10 ** 20, 10 ** 21, 10 ** 22];
for (const x of xs) console.log(`${x}`);
