# Rewrites the ERROR IDS section of docs/about_SalesScorecard.md from the catalog in src/SalesScorecard.Core/ScorecardErrors.cs,
# so the help lists exactly the ids the code can raise. Run it after adding or changing an id; a test keeps the two equal.
param([string] $RepoRoot = (Split-Path $PSScriptRoot -Parent))
$ErrorActionPreference = 'Stop'
$source = Get-Content (Join-Path $RepoRoot 'src/SalesScorecard.Core/ScorecardErrors.cs') -Raw
$pattern = 'ScorecardError (?<id>\w+) = new\(nameof\(\w+\), ScorecardErrorCategory\.(?<category>\w+),\s*"(?<meaning>(?:[^"\\]|\\.)*)"\);'
$lines = foreach ($match in [regex]::Matches($source, $pattern) | Sort-Object { $_.Groups['id'].Value }) {
    "    $($match.Groups['id'].Value) ($($match.Groups['category'].Value))"
    $meaning = $match.Groups['meaning'].Value -replace '\\"', '"' -replace '\\\\', '\'
    # Wrapped at 116 columns, indented under its id, as the other sections of the topic are.
    $line = '       '
    foreach ($word in $meaning -split ' ') {
        if ($line.Length + $word.Length + 1 -gt 116) { $line.TrimEnd(); $line = '       ' }
        $line += " $word"
    }
    $line.TrimEnd()
}
$about = Join-Path $RepoRoot 'docs/about_SalesScorecard.md'
$text = Get-Content $about -Raw
$section = "## ERROR IDS`nEvery error the cmdlets write has one of these ids (the ErrorRecord's FullyQualifiedErrorId starts with it) and`nits category; scripts and tests may match on them. Each says when it happens and what to do.`n`n" + ($lines -join "`n") + "`n`n"
$text = if ($text -match '(?s)## ERROR IDS\n.*?(?=\n## |\n# )') { $text -replace '(?s)## ERROR IDS\n.*?\n(?=## |# )', $section } else { $text -replace '(?m)^# SEE ALSO', "$section# SEE ALSO" }
Set-Content -Path $about -Value $text.TrimEnd() -NoNewline
Add-Content -Path $about -Value ''
