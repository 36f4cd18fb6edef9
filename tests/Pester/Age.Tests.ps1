# New-ScorecardBackupKey against the real age tools. The age format itself (interoperability with age, tampering,
# identities, recipients, the testkit vectors) is tested by Core's unit tests, tests/SalesScorecard.Core.Tests/Encryption.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Root = New-TestFolder

    function New-TestPath([string] $Name = 'file') { Join-Path $Root ("$Name-" + [guid]::NewGuid().ToString('N').Substring(0, 8)) }
}

AfterAll {
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
}

Describe 'New-ScorecardBackupKey writes an age identity' {
    BeforeAll {
        $script:Path = New-TestPath 'key'
        $script:Output = Invoke-Capturing { New-ScorecardBackupKey -Path $Path -Verbose }
        $script:Lines = Get-Content $Path
    }

    It 'writes the age-keygen file format' {
        $Lines.Count | Should -Be 3
        $Lines[0] | Should -Match '^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
        $Lines[1] | Should -Match '^# public key: age1[0-9a-z]{58}$'
        $Lines[2] | Should -Match '^AGE-SECRET-KEY-1[0-9A-Z]{58}$'
        $Lines[1].Substring(14) | Should -Be (& age-keygen -y $Path)
    }

    It 'returns the path and the recipient as a BackupKeyInfo' {
        $other = New-TestPath 'key'
        $key = New-ScorecardBackupKey -Path $other
        $key.pstypenames[0] | Should -Be 'SalesScorecard.BackupKeyInfo'
        $key.Path | Should -Be $other
        $key.Recipient | Should -Be (& age-keygen -y $other)
        (Get-Command New-ScorecardBackupKey).OutputType.Name | Should -Be 'SalesScorecard.BackupKeyInfo'
    }

    It 'makes the file owner-only (0600)' -Skip:$IsWindows {
        (Get-Item $Path).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
    }

    It 'never shows the secret key in any output stream' {
        $Output | Should -Match 'age1'
        $Output | Should -Not -Match ([regex]::Escape($Lines[2].Substring(16)))
    }

    It 'refuses to overwrite an existing file, and leaves it as it was' {
        $before = Get-FileHash $Path
        $failure = Invoke-Capturing { New-ScorecardBackupKey -Path $Path -ErrorAction Stop }
        $failure | Should -Match 'IdentityFileExists'
        $failure | Should -Match 'ResourceExists'
        $failure | Should -Not -Match ([regex]::Escape($Lines[2].Substring(16)))
        (Get-FileHash $Path).Hash | Should -Be $before.Hash
    }

    It 'writes nothing with -WhatIf' {
        $path = New-TestPath 'whatif'
        New-ScorecardBackupKey -Path $path -WhatIf | Should -BeNullOrEmpty
        $path | Should -Not -Exist
    }

    It 'says plainly when the folder is missing' {
        { New-ScorecardBackupKey -Path (Join-Path (New-TestPath 'missing') 'key.txt') -ErrorAction Stop } |
            Should -Throw -ErrorId 'IdentityFileNotWritten,SalesScorecard.PowerShell.NewScorecardBackupKeyCommand'
    }
}
