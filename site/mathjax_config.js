// MathJax 2 as jupyter-server-mathjax ships it (site_ext.py copies it into _static/mathjax/):
// HTML-CSS output with its STIX-Web fonts only, the TeX fonts are not in the package.
// myst has already found every formula and wrapped it in \( \) or \[ \], so a stray $ stays a dollar.
window.MathJax = {
    jax: ["input/TeX", "output/HTML-CSS"],
    tex2jax: {
        inlineMath: [["\\(", "\\)"]],
        displayMath: [["\\[", "\\]"]],
        processEscapes: false,
        processEnvironments: false
    },
    TeX: {equationNumbers: {autoNumber: "none"}},
    "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null, scale: 92},
    messageStyle: "none",
    "fast-preview": {disabled: true},      // one typesetting pass instead of a preview and then the real one
    showMathMenu: false,
    AuthorInit: function () {
        // The hidden MathML copy that MathJax keeps for screen readers asks for MathJax's TeX fonts,
        // which the package does not ship: let the browser use its own fonts there.
        MathJax.Hub.Register.StartupHook("NativeMML Jax Config", function () {
            var styles = MathJax.OutputJax.NativeMML.config.styles;
            for (var rule in styles) {
                if (rule.indexOf("@font-face") === 0) { delete styles[rule]; }
            }
        });
    }
};
