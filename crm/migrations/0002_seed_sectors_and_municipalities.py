"""Seed the association's eight sectors and the 60 Lithuanian municipalities."""

from django.db import migrations

SECTORS = [
    ('agrifood', 'Agroinovacijos ir maisto technologijos', 'Agri-innovation and food technology'),
    ('energy', 'Energetika ir statyba', 'Energy and construction'),
    ('manufacturing', 'Gamyba ir inžinerija', 'Manufacturing and engineering'),
    ('ict', 'IRT', 'ICT'),
    ('creative', 'Kūrybinės industrijos', 'Creative industries'),
    ('health', 'Sveikata', 'Health'),
    ('transport', 'Transportas', 'Transport'),
    ('tourism', 'Turizmas', 'Tourism'),
]

MUNICIPALITIES = [
    'Akmenės rajono savivaldybė',
    'Alytaus miesto savivaldybė',
    'Alytaus rajono savivaldybė',
    'Anykščių rajono savivaldybė',
    'Birštono savivaldybė',
    'Biržų rajono savivaldybė',
    'Druskininkų savivaldybė',
    'Elektrėnų savivaldybė',
    'Ignalinos rajono savivaldybė',
    'Jonavos rajono savivaldybė',
    'Joniškio rajono savivaldybė',
    'Jurbarko rajono savivaldybė',
    'Kaišiadorių rajono savivaldybė',
    'Kalvarijos savivaldybė',
    'Kauno miesto savivaldybė',
    'Kauno rajono savivaldybė',
    'Kazlų Rūdos savivaldybė',
    'Kėdainių rajono savivaldybė',
    'Kelmės rajono savivaldybė',
    'Klaipėdos miesto savivaldybė',
    'Klaipėdos rajono savivaldybė',
    'Kretingos rajono savivaldybė',
    'Kupiškio rajono savivaldybė',
    'Lazdijų rajono savivaldybė',
    'Marijampolės savivaldybė',
    'Mažeikių rajono savivaldybė',
    'Molėtų rajono savivaldybė',
    'Neringos savivaldybė',
    'Pagėgių savivaldybė',
    'Pakruojo rajono savivaldybė',
    'Palangos miesto savivaldybė',
    'Panevėžio miesto savivaldybė',
    'Panevėžio rajono savivaldybė',
    'Pasvalio rajono savivaldybė',
    'Plungės rajono savivaldybė',
    'Prienų rajono savivaldybė',
    'Radviliškio rajono savivaldybė',
    'Raseinių rajono savivaldybė',
    'Rietavo savivaldybė',
    'Rokiškio rajono savivaldybė',
    'Skuodo rajono savivaldybė',
    'Šakių rajono savivaldybė',
    'Šalčininkų rajono savivaldybė',
    'Šiaulių miesto savivaldybė',
    'Šiaulių rajono savivaldybė',
    'Šilalės rajono savivaldybė',
    'Šilutės rajono savivaldybė',
    'Širvintų rajono savivaldybė',
    'Švenčionių rajono savivaldybė',
    'Tauragės rajono savivaldybė',
    'Telšių rajono savivaldybė',
    'Trakų rajono savivaldybė',
    'Ukmergės rajono savivaldybė',
    'Utenos rajono savivaldybė',
    'Varėnos rajono savivaldybė',
    'Vilkaviškio rajono savivaldybė',
    'Vilniaus miesto savivaldybė',
    'Vilniaus rajono savivaldybė',
    'Visagino savivaldybė',
    'Zarasų rajono savivaldybė',
]


def seed(apps, schema_editor):
    Sector = apps.get_model("crm", "Sector")
    Municipality = apps.get_model("crm", "Municipality")
    for position, (code, name_lt, name_en) in enumerate(SECTORS, start=1):
        Sector.objects.update_or_create(
            code=code, defaults={"name_lt": name_lt, "name_en": name_en, "position": position}
        )
    for name in MUNICIPALITIES:
        Municipality.objects.get_or_create(name=name)


def unseed(apps, schema_editor):
    apps.get_model("crm", "Sector").objects.filter(code__in=[s[0] for s in SECTORS]).delete()
    apps.get_model("crm", "Municipality").objects.filter(name__in=MUNICIPALITIES).delete()


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
