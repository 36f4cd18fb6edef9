# Turns PlatyPS markdown (schema 2.0.0) into MAML for Get-Help, for machines where PlatyPS is not installable.
# It reads what PlatyPS writes: the YAML header, ## SYNOPSIS, SYNTAX (### per parameter set), DESCRIPTION, EXAMPLES
# (### title, code fence, remarks), PARAMETERS (### -Name, description, yaml block), INPUTS, OUTPUTS, NOTES,
# RELATED LINKS.
Set-StrictMode -Version Latest

function Split-MarkdownSection {
    <# Splits lines at headings of the given level, ignoring '#' inside code fences. Returns ordered title -> lines. #>
    param([string[]] $Lines, [int] $Level)
    $sections = [ordered]@{}
    $prefix = ('#' * $Level) + ' '
    $current = $null
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($prefix)) {
            $current = $line.Substring($prefix.Length).Trim()
            $sections[$current] = [System.Collections.Generic.List[string]]::new()
        } elseif ($null -ne $current) {
            $sections[$current].Add($line)
        }
    }
    $sections
}

function Get-Paragraphs([string[]] $Lines) {
    # Blank lines separate paragraphs; lines of one paragraph are joined, as Get-Help reflows them anyway.
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    foreach ($line in @($Lines) + '') {
        if ($line.Trim()) { $buffer.Add($line.Trim()); continue }
        if ($buffer.Count) { $paragraphs.Add(($buffer -join ' ')); $buffer.Clear() }
    }
    , $paragraphs
}

function Split-Fences([string[]] $Lines) {
    <# Returns @{ Code = [string[]] fenced blocks; Text = [string[]] lines outside fences }, keeping the fence language. #>
    $code = [System.Collections.Generic.List[object]]::new()
    $text = [System.Collections.Generic.List[string]]::new()
    $block = $null
    foreach ($line in $Lines) {
        if ($line -match '^```(\w*)') {
            if ($null -eq $block) { $block = [pscustomobject]@{ Language = $Matches[1]; Lines = [System.Collections.Generic.List[string]]::new() } }
            else { $code.Add($block); $block = $null }
            continue
        }
        if ($null -ne $block) { $block.Lines.Add($line) } else { $text.Add($line) }
    }
    @{ Code = $code; Text = $text }
}

function Write-Paragraphs([System.Xml.XmlWriter] $Writer, [string[]] $Lines) {
    $Writer.WriteStartElement('maml', 'description', $script:MamlNs)
    foreach ($paragraph in (Get-Paragraphs $Lines)) { $Writer.WriteElementString('maml', 'para', $script:MamlNs, $paragraph) }
    $Writer.WriteEndElement()
}

function Read-CommandPage([string] $Path) {
    $lines = (Get-Content -Path $Path -Encoding utf8) -replace "`r$", ''
    if ($lines[0] -ne '---') { throw "${Path}: PlatyPS pages start with a YAML header." }
    $headerEnd = [Array]::IndexOf($lines, '---', 1)
    $body = $lines[($headerEnd + 1)..($lines.Count - 1)]
    $top = Split-MarkdownSection $body 1
    $name = @($top.Keys)[0]
    $sections = Split-MarkdownSection $top[$name] 2
    foreach ($required in 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
        if (-not $sections.Contains($required)) { throw "${Path}: the section '## $required' is missing." }
    }

    $parameterSets = @((Split-MarkdownSection $sections['SYNTAX'] 3).Keys | ForEach-Object { $_ -replace '\s*\(Default\)$', '' })
    if (-not $parameterSets) { $parameterSets = @('(All)') }

    $parameters = foreach ($entry in (Split-MarkdownSection $sections['PARAMETERS'] 3).GetEnumerator()) {
        if ($entry.Key -eq 'CommonParameters') { continue }
        $parts = Split-Fences $entry.Value
        $yaml = @{}
        foreach ($line in $parts.Code[0].Lines) {
            if ($line -match '^([^:]+):\s*(.*)$') { $yaml[$Matches[1].Trim()] = $Matches[2].Trim() }
        }
        [pscustomobject]@{
            Name        = $entry.Key.TrimStart('-')
            Description = $parts.Text
            Type        = $yaml['Type']
            Sets        = @($yaml['Parameter Sets'] -split ',\s*')
            Aliases     = $yaml['Aliases']
            Required    = $yaml['Required']
            Position    = $yaml['Position']
            Default     = $yaml['Default value']
            Pipeline    = $yaml['Accept pipeline input']
            Wildcards   = $yaml['Accept wildcard characters']
        }
    }

    $examples = foreach ($entry in (Split-MarkdownSection $sections['EXAMPLES'] 3).GetEnumerator()) {
        $parts = Split-Fences $entry.Value
        [pscustomobject]@{
            Title   = $entry.Key
            Code    = ($parts.Code | ForEach-Object { $_.Lines -join "`n" }) -join "`n`n"
            Remarks = $parts.Text
        }
    }

    $typeSection = {
        param($lines)
        foreach ($entry in (Split-MarkdownSection $lines 3).GetEnumerator()) {
            [pscustomobject]@{ Type = $entry.Key; Description = $entry.Value }
        }
    }

    $links = foreach ($line in $sections['RELATED LINKS']) {
        if ($line -match '^\[(?<text>[^\]]*)\]\((?<uri>[^)]*)\)') {
            [pscustomobject]@{ Text = $Matches.text; Uri = ($Matches.uri -match '^https?://') ? $Matches.uri : '' }
        }
    }

    [pscustomobject]@{
        Name          = $name
        Synopsis      = $sections['SYNOPSIS']
        Description   = $sections['DESCRIPTION']
        ParameterSets = $parameterSets
        Parameters    = @($parameters)
        Examples      = @($examples)
        Inputs        = @(& $typeSection $sections['INPUTS'])
        Outputs       = @(& $typeSection $sections['OUTPUTS'])
        Notes         = $sections['NOTES']
        Links         = @($links)
    }
}

function Write-Parameter([System.Xml.XmlWriter] $Writer, $Parameter, [bool] $InSyntax) {
    $isSwitch = $Parameter.Type -eq 'SwitchParameter'
    $Writer.WriteStartElement('command', 'parameter', $script:CommandNs)
    $Writer.WriteAttributeString('required', $Parameter.Required.ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', $Parameter.Wildcards.ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $Parameter.Pipeline)
    $Writer.WriteAttributeString('position', ($Parameter.Position -eq 'Named') ? 'named' : $Parameter.Position)
    $Writer.WriteAttributeString('aliases', $Parameter.Aliases ? $Parameter.Aliases : 'none')
    $Writer.WriteElementString('maml', 'name', $script:MamlNs, $Parameter.Name)
    Write-Paragraphs $Writer $Parameter.Description
    if (-not ($isSwitch -and $InSyntax)) {
        $Writer.WriteStartElement('command', 'parameterValue', $script:CommandNs)
        $Writer.WriteAttributeString('required', ($isSwitch ? 'false' : 'true'))
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($Parameter.Type)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $script:DevNs)
    $Writer.WriteElementString('maml', 'name', $script:MamlNs, $Parameter.Type)
    $Writer.WriteElementString('maml', 'uri', $script:MamlNs, '')
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $script:DevNs, ($Parameter.Default ? $Parameter.Default : 'None'))
    $Writer.WriteEndElement()
}

function Write-TypeList([System.Xml.XmlWriter] $Writer, [string] $ListElement, [string] $ItemElement, $Types) {
    $Writer.WriteStartElement('command', $ListElement, $script:CommandNs)
    foreach ($type in $Types) {
        $Writer.WriteStartElement('command', $ItemElement, $script:CommandNs)
        $Writer.WriteStartElement('dev', 'type', $script:DevNs)
        $Writer.WriteElementString('maml', 'name', $script:MamlNs, $type.Type)
        $Writer.WriteEndElement()
        Write-Paragraphs $Writer $type.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function ConvertTo-MamlHelp {
    param([Parameter(Mandatory)] [string[]] $MarkdownPath, [Parameter(Mandatory)] [string] $OutputPath)

    $script:MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
    $script:CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    $script:DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
    $writer = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($path in $MarkdownPath) {
            $page = Read-CommandPage $path
            $verb, $noun = $page.Name.Split('-', 2)
            $writer.WriteStartElement('command', 'command', $CommandNs)
            $writer.WriteAttributeString('xmlns', 'maml', $null, $MamlNs)
            $writer.WriteAttributeString('xmlns', 'dev', $null, $DevNs)

            $writer.WriteStartElement('command', 'details', $CommandNs)
            $writer.WriteElementString('command', 'name', $CommandNs, $page.Name)
            $writer.WriteElementString('command', 'verb', $CommandNs, $verb)
            $writer.WriteElementString('command', 'noun', $CommandNs, $noun)
            Write-Paragraphs $writer $page.Synopsis
            $writer.WriteEndElement()

            Write-Paragraphs $writer $page.Description

            $writer.WriteStartElement('command', 'syntax', $CommandNs)
            foreach ($set in $page.ParameterSets) {
                $writer.WriteStartElement('command', 'syntaxItem', $CommandNs)
                $writer.WriteElementString('maml', 'name', $MamlNs, $page.Name)
                foreach ($parameter in $page.Parameters | Where-Object { $set -eq '(All)' -or $_.Sets -contains '(All)' -or $_.Sets -contains $set }) {
                    Write-Parameter $writer $parameter $true
                }
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'parameters', $CommandNs)
            foreach ($parameter in $page.Parameters) { Write-Parameter $writer $parameter $false }
            $writer.WriteEndElement()

            Write-TypeList $writer 'inputTypes' 'inputType' $page.Inputs
            Write-TypeList $writer 'returnValues' 'returnValue' $page.Outputs

            $writer.WriteStartElement('maml', 'alertSet', $MamlNs)
            $writer.WriteStartElement('maml', 'alert', $MamlNs)
            foreach ($paragraph in (Get-Paragraphs $page.Notes)) { $writer.WriteElementString('maml', 'para', $MamlNs, $paragraph) }
            $writer.WriteEndElement()
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'examples', $CommandNs)
            foreach ($example in $page.Examples) {
                $writer.WriteStartElement('command', 'example', $CommandNs)
                $writer.WriteElementString('maml', 'title', $MamlNs, "-------------------------- $($example.Title) --------------------------")
                $writer.WriteElementString('dev', 'code', $DevNs, $example.Code)
                $writer.WriteStartElement('dev', 'remarks', $DevNs)
                foreach ($paragraph in (Get-Paragraphs $example.Remarks)) { $writer.WriteElementString('maml', 'para', $MamlNs, $paragraph) }
                $writer.WriteEndElement()
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'relatedLinks', $CommandNs)
            foreach ($link in $page.Links) {
                $writer.WriteStartElement('maml', 'navigationLink', $MamlNs)
                $writer.WriteElementString('maml', 'linkText', $MamlNs, $link.Text)
                $writer.WriteElementString('maml', 'uri', $MamlNs, $link.Uri)
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()

            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    } finally {
        $writer.Dispose()
    }
}
