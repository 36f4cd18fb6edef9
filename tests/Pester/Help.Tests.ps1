BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $module = Import-Module (Get-TestModulePath) -Force -PassThru
    $script:Commands = @(Get-Command -Module $module.Name | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    # WhatIf and Confirm are documented like any other parameter, as PlatyPS does.
    $script:CommonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + 'UseTransaction'
    $script:DocsDir = Join-Path $PSScriptRoot '../../docs'
}

Describe 'Help for <Name>' -ForEach $Commands {
    BeforeAll {
        $script:Help = Get-Help $Name -Full
        $script:HelpText = $Help | Out-String
        $script:Command = Get-Command $Name
    }

    It 'has a markdown page in docs/' {
        Join-Path $DocsDir "$Name.md" | Should -Exist
    }

    It 'is found (no "Cannot find the Help files" remark)' {
        $HelpText | Should -Not -Match 'Get-Help cannot find the Help files'
        $HelpText | Should -Not -Match 'Update-Help'
    }

    It 'has a real synopsis' {
        $synopsis = "$($Help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -Match '^\{\{'
        $synopsis | Should -Not -BeLike "$Name *"   # what Get-Help shows when there is no help: the syntax
    }

    It 'has a description' {
        ($Help.Description.Text -join ' ').Length | Should -BeGreaterThan 80
    }

    It 'has at least two examples with code and remarks' {
        @($Help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $Help.Examples.Example) {
            $example.Code | Should -Match $Name
            ($example.Remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'describes every parameter, and only real ones' {
        $actual = @($Command.Parameters.Keys | Where-Object { $_ -notin $CommonParameters })
        $documented = @($Help.Parameters.Parameter.Name | Where-Object { $_ })
        @($documented | Sort-Object) | Should -Be @($actual | Sort-Object)
        foreach ($parameter in $Help.Parameters.Parameter) {
            ($parameter.Description.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a description"
            $type = $Command.Parameters[$parameter.Name].ParameterType
            $type = [Nullable]::GetUnderlyingType($type) ?? $type
            $parameter.Type.Name | Should -Be $type.Name -Because "-$($parameter.Name)'s documented type"
        }
    }

    It 'names its output type' {
        $outputs = @($Help.ReturnValues.ReturnValue.Type.Name)
        foreach ($type in $Command.OutputType.Name) { $outputs | Should -Contain $type }
    }
}

Describe 'about_SalesScorecard' {
    It 'explains settings, the nightly flow, restore, SMTP troubleshooting and exit codes' {
        $about = Get-Help about_SalesScorecard | Out-String
        foreach ($section in 'SETTINGS', 'THE NIGHTLY FLOW', 'RESTORE RUNBOOK', 'SMTP TROUBLESHOOTING', 'EXIT CODES') {
            $about | Should -Match $section
        }
        $about | Should -Match 'BACKUP_KEEP_MIN'
    }
}
