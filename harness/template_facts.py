"""What template.yaml and the state machine say that the harness, the bench and the tests need:
which functions there are, which are the pipeline's stages, which carry libvips. Read from the
template each time, never listed again (LinkageTests reads the same facts through this module)."""
import json, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_template():
    """template.yaml as a dictionary (its short-form tags read as SAM reads them)."""
    from samtranslator.yaml_helper import yaml_parse
    with open(os.path.join(ROOT, "template.yaml")) as file:
        return yaml_parse(file.read())


def _name(logical):
    return logical[:-len("Function")].lower()


def functions(template=None):
    """Every Lambda function, by its executable's name (`ValidateFunction` is `validate`)."""
    template = template or load_template()
    return sorted(_name(logical) for logical, resource in template["Resources"].items()
                  if resource["Type"] == "AWS::Serverless::Function")


def pixel_functions(template=None):
    """The functions that carry the libvips layer: the pixel stages, then any other (render)."""
    template = template or load_template()
    ordered = stages(template) + [name for name in functions(template) if name not in stages(template)]
    return [name for name in ordered
            if "LibvipsLayer" in json.dumps(template["Resources"][name.capitalize() + "Function"]["Properties"].get("Layers", []))]


def stages(template=None):
    """The pipeline's stages in the state machine's order: the functions its states invoke, except
    those only a Catch leads to (the catch path, settle)."""
    with open(os.path.join(ROOT, "statemachine/pipeline.asl.json")) as file:
        definition = json.load(file)
    invoked, caught = [], set()

    def walk(states):
        for state_name, state in states.items():
            caught.update(catch["Next"] for catch in state.get("Catch", []))
            own = {key: value for key, value in state.items() if key != "Branches"}
            invoked.extend((state_name, _name(f + "Function")) for f in re.findall(r"\$\{(\w+)FunctionArn\}", json.dumps(own)))
            for branch in state.get("Branches", []):
                walk(branch["States"])

    walk(definition["States"])
    names = []
    for state_name, function in invoked:
        if state_name not in caught and function not in names:
            names.append(function)
    return names


if __name__ == "__main__":
    # `python3 harness/template_facts.py stages` prints one name per line (for shell scripts and
    # the Swift tests).
    kind = sys.argv[1] if len(sys.argv) > 1 else "functions"
    print("\n".join({"functions": functions, "stages": stages, "pixel": pixel_functions}[kind]()))
