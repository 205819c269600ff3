// Runs ballotcrypto_measure.js in the page and leaves the figures in #result for the driver.
import { measure } from './ballotcrypto_measure.js';

const figures = measure();
document.getElementById('result').textContent = JSON.stringify({ ...figures, runtime: navigator.userAgent });
document.body.dataset.done = 'yes';
